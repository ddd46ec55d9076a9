/**
 * The hot-path HTTP app: POST /enrich and GET /healthz, nothing else.
 *
 * The body is read by our own parser hook, so that every hostile input gets a
 * 4xx with `{error, path}` before the variant sees it: wrong content type → 415;
 * body over the limit → 413; invalid UTF-8, malformed or too-deep JSON → 400;
 * then Elysia validates the schema (400 with the failing path).
 */
import { Elysia } from "elysia";
import { DEFAULT_LIMITS, type Limits } from "../config.ts";
import type { Index } from "../index/contract.ts";
import type { EnrichContext, EnrichRequest, Variant } from "../enrich/variant.ts";
import { ClientError, badRequest, tooLarge, unsupportedType } from "./errors.ts";
import { mayHaveReorderedAttrs, parseOrdered } from "./ordered-json.ts";
import { checkBeyondSchema, checkEnvelope, enrichBodySchema } from "./schema.ts";

export interface AppOptions {
  index: Index;
  variant: Variant;
  limits?: Limits;
  /** Observes every request (admin metrics, in-flight table, trace); absent in tests that do not need it. */
  observer?: RequestObserver;
}

/** Reads a body of unknown length, refusing it (413) as soon as it passes `max` bytes. */
async function readCapped(request: Request, max: number): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of request.body) {
    total += chunk.byteLength;
    if (total > max) throw tooLarge(`body is over the limit of ${max} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/** Hooks for the admin side: marks where each /enrich request's handler starts and ends (the final status is recorded around the whole app). */
export interface RequestObserver {
  start(request: Request): unknown;
  end(token: unknown): void;
}

const JSON_HEADERS = { "content-type": "application/json" };
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export function createApp({ index, variant, limits = DEFAULT_LIMITS, observer }: AppOptions) {
  const ctx: EnrichContext = { index, limits };
  // normalize: false — Elysia would otherwise rebuild objects to strip unknown keys, losing attrs' key order.
  return new Elysia({ normalize: false })
    .onError(({ code, error }) => {
      if (error instanceof ClientError) return error.toResponse();
      // Elysia wraps what our parse hook throws in its ParseError.
      const cause = (error as { cause?: unknown }).cause;
      if (cause instanceof ClientError) return cause.toResponse();
      if (code === "VALIDATION") {
        // valueError is the first failure; `all` would render every offending value (and overflow on deep ones).
        const first = error.valueError as { path?: string; schema?: { error?: unknown }; message?: string } | undefined;
        const message = typeof first?.schema?.error === "string" ? first.schema.error : (first?.message ?? "invalid request");
        return badRequest(message, first?.path ?? "").toResponse();
      }
      if (code === "NOT_FOUND") return new Response(JSON.stringify({ error: "not found", path: "" }), { status: 404, headers: JSON_HEADERS });
      if (code === "PARSE") return badRequest("malformed JSON").toResponse();
      // Anything else is our bug, not the client's: say so without leaking internals.
      console.error("enrich: unexpected error", error);
      return new Response(JSON.stringify({ error: "internal error", path: "" }), { status: 500, headers: JSON_HEADERS });
    })
    .get("/healthz", () => new Response(JSON.stringify({ ok: true, variant: variant.name, entries: index.entries, pid: process.pid }), { headers: JSON_HEADERS }))
    .post(
      "/enrich",
      async ({ body, request }) => {
        const token = observer?.start(request);
        try {
          checkBeyondSchema(body as EnrichRequest, limits);
          return new Response(await variant.respond(body as EnrichRequest, ctx), { headers: JSON_HEADERS });
        } finally {
          observer?.end(token);
        }
      },
      {
        parse: async ({ request }) => readBody(request, limits, variant),
        body: enrichBodySchema(limits),
      },
    );
}

async function readBody(request: Request, limits: Limits, variant: Variant): Promise<unknown> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type)) throw unsupportedType(`content type must be application/json, got '${type || "none"}'`);
  const length = request.headers.get("content-length");
  if (length !== null && Number(length) > limits.bodyBytes) throw tooLarge(`body of ${length} bytes is over the limit of ${limits.bodyBytes}`);
  // Without a declared length (chunked), read incrementally and stop at the limit rather than buffer it all.
  const bytes = length !== null ? await request.arrayBuffer() : await readCapped(request, limits.bodyBytes);
  if (bytes.byteLength === 0) throw badRequest("empty body: expected a JSON object with an events array");
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw badRequest("body is not valid UTF-8");
  }
  let body: unknown;
  try {
    body = variant.parseBody(text);
  } catch (e) {
    const tooDeep = e instanceof RangeError;
    throw badRequest(tooDeep ? "JSON nested too deeply" : `malformed JSON: ${(e as Error).message}`);
  }
  checkEnvelope(body, limits);
  return mayHaveReorderedAttrs(body as EnrichRequest) ? parseOrdered(text) : body;
}
