/**
 * Client errors: a stable code, a status and the JSON pointer of what was
 * wrong. The wire body is always `{"error": "...", "path": "/events/3/key"}`.
 * The 503 of admission control and the 408 of a stalled body use the same
 * shape, with the headers they need (Retry-After, Connection: close).
 */
export class ClientError extends Error {
  constructor(
    readonly status: 400 | 405 | 408 | 413 | 415 | 503,
    readonly code: string,
    message: string,
    readonly path = "",
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toResponse(): Response {
    return new Response(JSON.stringify({ error: this.message, path: this.path }), {
      status: this.status,
      headers: { "content-type": "application/json", ...this.headers },
    });
  }
}

export const badRequest = (message: string, path = "") => new ClientError(400, "BAD_REQUEST", message, path);
export const tooLarge = (message: string, path = "") => new ClientError(413, "TOO_LARGE", message, path);
export const unsupportedType = (message: string) => new ClientError(415, "UNSUPPORTED_MEDIA_TYPE", message);
export const methodNotAllowed = (allow: string) => new ClientError(405, "METHOD_NOT_ALLOWED", `method not allowed (allowed: ${allow})`, "", { allow });
/** 408: the body stalled; the connection is closed, since the rest of its bytes may still arrive. */
export const requestTimeout = (message: string) => new ClientError(408, "REQUEST_TIMEOUT", message, "", { connection: "close" });
/** 503 from admission control: try again after `retryAfterS`; while draining, also close the connection. */
export const overloaded = (message: string, retryAfterS: number, close = false) =>
  new ClientError(503, "OVERLOADED", message, "", { "retry-after": String(retryAfterS), ...(close ? { connection: "close" } : {}) });
/** 503 for a batch that needs a corrupt index entry: answered without the entry's bytes; /healthz names the file. */
export const corruptIndex = (e: Error) => new ClientError(503, "INDEX_CORRUPT", `index data unavailable: ${e.message.replace(/^index file \S*\//, "index file ")}`, "", { "retry-after": "1" });
