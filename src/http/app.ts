/**
 * The hot-path HTTP app: POST /enrich and GET /healthz, nothing else.
 *
 * The body is read by our own parser hook, so that every hostile input gets a
 * 4xx with `{error, path}` before the variant sees it: wrong content type → 415;
 * body over the limit → 413; invalid UTF-8, malformed or too-deep JSON → 400;
 * then Elysia validates the schema (400 with the failing path), or, for a
 * variant whose `validation` is "one-pass", src/http/one-pass.ts does with
 * the same answers.
 */
import { Elysia } from "elysia";
import { DEFAULT_LIMITS, type Limits } from "../config.ts";
import type { Index } from "../index/contract.ts";
import type { Answer, EnrichRequest, Variant } from "../enrich/variant.ts";
import { ClientError, badRequest, corruptIndex, methodNotAllowed, unsupportedType } from "./errors.ts";
import { IndexCorruptError } from "../index/format.ts";
import { IndexRef, type Lease } from "../index/lifecycle.ts";
import { Admission, type Slot } from "./admission.ts";
import type { AuditScope, AuditSink } from "../audit/sink.ts";
import { readBoundedBody } from "./body.ts";
import { mayHaveReorderedAttrs, parseOrdered } from "./ordered-json.ts";
import { checkBeyondSchema, checkEnvelope, enrichBodySchema } from "./schema.ts";
import { checkInOnePass } from "./one-pass.ts";
import { keepBody } from "../enrich/request-body.ts";
import { eventCount } from "../enrich/unparsed-request.ts";

export interface AppOptions {
  index: Index;
  /** The served index behind a swappable reference (hot reload, src/index/lifecycle.ts); default: a fixed one over `index`. */
  indexRef?: IndexRef;
  variant: Variant;
  limits?: Limits;
  /** Observes every request (admin metrics, in-flight table, trace); absent in tests that do not need it. */
  observer?: RequestObserver;
  /** Admission control shared by every route's work (src/http/admission.ts); default: one with DEFAULT_ADMISSION. */
  admission?: Admission;
  /** The audit log (--audit, src/audit/): each request's scope goes to the variant in its EnrichContext. */
  audit?: AuditSink;
}

/** Hooks for the admin side: marks where each /enrich request's handler starts and ends (the final status is recorded around the whole app). */
export interface RequestObserver {
  /** The handler starts; `body` is the validated request (its batch size and attrs label the profiles). */
  start(request: Request, body?: EnrichRequest): unknown;
  end(token: unknown): void;
  /** JS resumed the request's work after an await: marks its synchronous segments for pprof labels (src/admin/segments.ts). */
  resume?(request: Request): void;
}

// Headers instances, made once: a Response copies them at construction, and copying a Headers is cheaper than
// reading an object literal's properties into a new one every request (FINDINGS.md §53).
const JSON_HEADERS = new Headers({ "content-type": "application/json" });
const CLOSING_HEADERS = new Headers({ "content-type": "application/json", connection: "close" });
/** The methods each route answers: any other method on these paths is 405, not 404. */
const ALLOWED: Record<string, string> = { "/enrich": "POST", "/healthz": "GET" };
const pathOf = (request: Request) => new URL(request.url).pathname;
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export function createApp({ index, variant, limits = DEFAULT_LIMITS, observer, admission = new Admission(), indexRef, audit }: AppOptions) {
  const ref = indexRef ?? new IndexRef(index, index.impl);

  /** The request's slot, index lease and observer token back: the handler's work is over, answered or not. */
  const release = (lease: Lease, slot: Slot, token: unknown) => {
    ref.release(lease);
    slot.leave();
    observer?.end(token);
  };
  /** The answer as a Response; its slot and lease go back either way. */
  const responseOf = (answer: Answer, request: Request, lease: Lease, slot: Slot, token: unknown): Response => {
    try {
      observer?.resume?.(request);
      // While draining, keep-alive clients are told to reconnect elsewhere rather than reset later.
      const response = new Response(answer, { headers: admission.draining ? CLOSING_HEADERS : JSON_HEADERS });
      // The Response holds its own copy of the bytes now (test/http/response-copy.test.ts): the variant may reuse its buffer.
      variant.stages.releaseAnswer?.(answer);
      return response;
    } finally {
      release(lease, slot, token);
    }
  };
  /** An admitted request's answer: in the same turn when the variant gives it so (answersInTurn), else once it has it. */
  const answerAdmitted = (body: EnrichRequest, request: Request, slot: Slot, auditScope: AuditScope | undefined): Response | Promise<Response> => {
    const token = observer?.start(request, body);
    // The request keeps the index it started with, whatever a reload swaps in meanwhile.
    const lease = ref.acquire();
    let answer: Answer | Promise<Answer>;
    try {
      // A body the variant's own check passed in full has no range left to break.
      if (!checkedInFull.has(body)) checkBeyondSchema(body, limits);
      answer = variant.respond(body, { index: lease.index, limits, audit: auditScope });
    } catch (e) {
      release(lease, slot, token);
      throw e;
    }
    if (!(answer instanceof Promise)) return responseOf(answer, request, lease, slot, token);
    return answer.then(
      (a) => responseOf(a, request, lease, slot, token),
      (e) => {
        release(lease, slot, token);
        throw e;
      },
    );
  };
  const answerEnrich = (body: EnrichRequest, request: Request): Response | Promise<Response> => {
    // Taken before any admission wait: the audit's arrival time is when the parsed request reached the handler.
    const auditScope = audit?.forRequest(request);
    // A free slot is handed over synchronously: no promise or microtask on the hot path unless the request queues.
    const entered = admission.enter(request, eventCount(body));
    if (entered instanceof Promise) return entered.then((slot) => answerAdmitted(body, request, slot, auditScope));
    return answerAdmitted(body, request, entered, auditScope);
  };
  // normalize: false — Elysia would otherwise rebuild objects to strip unknown keys, losing attrs' key order.
  return new Elysia({ normalize: false })
    .onError(({ code, error, request }) => {
      if (error instanceof ClientError) return error.toResponse();
      // A corrupt index entry is the service's fault and temporary (a good index is a reload away): 503, never its bytes.
      if (error instanceof IndexCorruptError) return corruptIndex(error).toResponse();
      // Elysia wraps what our parse hook throws in its ParseError.
      const cause = (error as { cause?: unknown }).cause;
      if (cause instanceof ClientError) return cause.toResponse();
      if (code === "VALIDATION") {
        // valueError is the first failure; `all` would render every offending value (and overflow on deep ones).
        const first = error.valueError as { path?: string; schema?: { error?: unknown }; message?: string } | undefined;
        const message = typeof first?.schema?.error === "string" ? first.schema.error : (first?.message ?? "invalid request");
        return badRequest(message, first?.path ?? "").toResponse();
      }
      if (code === "NOT_FOUND" && ALLOWED[pathOf(request)]) return methodNotAllowed(ALLOWED[pathOf(request)]!).toResponse();
      if (code === "NOT_FOUND") return new Response(JSON.stringify({ error: "not found", path: "" }), { status: 404, headers: JSON_HEADERS });
      if (code === "PARSE") return badRequest("malformed JSON").toResponse();
      // Anything else is our bug, not the client's: say so without leaking internals.
      console.error("enrich: unexpected error", error);
      return new Response(JSON.stringify({ error: "internal error", path: "" }), { status: 500, headers: JSON_HEADERS });
    })
    .get("/healthz", () => {
      const ix = ref.snapshot();
      // A file that failed its checksum means some keys cannot be answered: unhealthy until a good index is reloaded.
      const ok = ix.verify !== "failed";
      return new Response(JSON.stringify({ ok, variant: variant.name, indexImpl: ix.impl, entries: ix.entries, pid: process.pid, index: ix }), { status: ok ? 200 : 503, headers: JSON_HEADERS });
    })
    .post(
      "/enrich",
      // Not an async function, and its text matches none of Elysia's async tells (compose.mjs isAsync: `async`, `await`,
      // `return f(`, `=> f(`), so Elysia does not wait on what it returns: a Response given in the same turn goes out as it is.
      function enrichHandler(c: { body: unknown; request: Request }) {
        const answered = answerEnrich(c.body as EnrichRequest, c.request);
        return answered;
      },
      {
        parse: async ({ request }) => readBody(request, limits, variant, admission, observer),
        // A one-pass variant has checked the body in the parse hook already, with the schema's own answers.
        body: variant.validation === "one-pass" ? undefined : enrichBodySchema(limits),
      },
    );
}

/** Parsed bodies the variant's checkBody passed: every check of the parsed body, the handler's checkBeyondSchema included, would pass. */
const checkedInFull = new WeakSet<object>();

async function readBody(request: Request, limits: Limits, variant: Variant, admission: Admission, observer?: RequestObserver): Promise<unknown> {
  admission.checkpoint(request, true);
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type)) throw unsupportedType(`content type must be application/json, got '${type || "none"}'`);
  const bytes = await readBoundedBody(request, limits, admission, variant.nestingDepth);
  // Parsing a fat body is real CPU: it is this request's, whatever ran while the bytes came in.
  observer?.resume?.(request);
  if (bytes.byteLength === 0) throw badRequest("empty body: expected a JSON object with an events array");
  // A body the variant reads from its bytes, every check of it passed, is neither decoded nor parsed (v23); the view carries its bytes.
  const view = variant.validation === "one-pass" ? variant.viewBody?.(bytes, limits) : undefined;
  if (view) {
    checkedInFull.add(view);
    return view;
  }
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
  // Once the bytes are known to be UTF-8 and JSON: where the variant's check passes them, the parsed body's checks would too.
  const inFull = variant.validation === "one-pass" && variant.checkBody?.(bytes, limits) === true;
  if (inFull) checkedInFull.add(body as object);
  const checked = inFull ? body : variant.validation === "one-pass" ? checkInOnePass(body, text, limits) : withEnvelopeChecked(body, text, limits);
  if (eventCount(checked as EnrichRequest) >= variant.keepBodyFrom) keepBody(checked as object, bytes);
  return checked;
}

/** The envelope checked, and the body to give Elysia's schema check: re-parsed in source order when some attrs may have been reordered. */
function withEnvelopeChecked(body: unknown, text: string, limits: Limits): unknown {
  checkEnvelope(body, limits);
  return mayHaveReorderedAttrs(body as EnrichRequest) ? parseOrdered(text) : body;
}
