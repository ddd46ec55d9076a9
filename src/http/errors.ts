/**
 * Client errors: a stable code, a status and the JSON pointer of what was
 * wrong. The wire body is always `{"error": "...", "path": "/events/3/key"}`.
 */
export class ClientError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    readonly code: string,
    message: string,
    readonly path = "",
  ) {
    super(message);
  }

  toResponse(): Response {
    return new Response(JSON.stringify({ error: this.message, path: this.path }), {
      status: this.status,
      headers: { "content-type": "application/json" },
    });
  }
}

export const badRequest = (message: string, path = "") => new ClientError(400, "BAD_REQUEST", message, path);
export const tooLarge = (message: string, path = "") => new ClientError(413, "TOO_LARGE", message, path);
export const unsupportedType = (message: string) => new ClientError(415, "UNSUPPORTED_MEDIA_TYPE", message);
