/**
 * What a variant is: the whole /enrich pipeline between "body bytes arrived"
 * and "response text ready". Every variant produces byte-identical output
 * (test/golden); each one after v0 is its parent plus exactly one change.
 */
import type { Limits } from "../config.ts";
import type { Index } from "../index/contract.ts";
import type { AuditScope } from "../audit/sink.ts";

export interface EnrichEvent {
  key: string;
  attrs: Record<string, string>;
}

export interface EnrichRequest {
  events: EnrichEvent[];
}

/** Per-process state every request sees. */
export interface EnrichContext {
  index: Index;
  limits: Limits;
  /** This request's audit log (src/audit/), when the service runs with --audit; only the io-* variants' audit stage writes it. */
  audit?: AuditScope;
}

/** Per-request state a variant sets up once per batch (v0: its defensive copies). */
export type Scope = Record<string, unknown>;

/**
 * The hot functions a variant is built from, exposed by name so micro-benchmarks
 * measure exactly what the handler runs. Stages call each other through `this`,
 * so a derived variant that replaces one stage changes it everywhere it is used:
 * call them as methods (`stages.lookup(k, ctx)`), not as detached functions.
 */
export interface Stages {
  /** Per-request set-up, once per batch. */
  begin(req: EnrichRequest, ctx: EnrichContext): Scope;
  /** Decimal key string → its (hi, lo) u32 halves. */
  parseKey(key: string): { hi: number; lo: number };
  /** Key string → index position, or -1 for a miss (includes any locking). */
  lookup(key: string, ctx: EnrichContext): number | Promise<number>;
  /** Index position → the result fields in wire order (account … name). */
  decode(pos: number, ctx: EnrichContext, scope?: Scope): Record<string, unknown>;
  /** A validated batch → result objects, one per event, in order. */
  enrichBatch(req: EnrichRequest, ctx: EnrichContext): unknown[] | Promise<unknown[]>;
  /** Every event's key → its index position (-1 for a miss), in order. */
  lookupAll(events: readonly EnrichEvent[], ctx: EnrichContext): number[] | Promise<number[]>;
  /** The batch's events and their positions → result objects in wire order. */
  assemble(req: EnrichRequest, positions: readonly number[], ctx: EnrichContext, scope: Scope): unknown[];
  /** A hit's position → its decoded fields (a variant may reuse fields across a batch through `memo`). */
  fieldsAt(pos: number, ctx: EnrichContext, scope: Scope, memo: Map<string | number, Record<string, unknown>>): Record<string, unknown>;
  /** Result objects → the response body: its text, or its UTF-8 bytes (a variant that writes them itself). */
  serialize(results: unknown[]): Answer;
  /**
   * Called by the HTTP layer with the answer once its Response is built (Bun
   * copies a byte body at construction), so a variant may answer with a view
   * of a buffer it then reuses (v21). Callers that never call it (tests,
   * tools) only cost such a variant a fresh buffer per answer. Optional.
   */
  releaseAnswer?(answer: Answer): void;
  /**
   * The answered batch → its audit-log entries (ctx.audit), before the answer is
   * sent. v0's audit log was never written (noAudit); the io-* variants write it.
   * Returning a promise makes the answer wait for it.
   */
  audit(req: EnrichRequest, results: readonly unknown[], ctx: EnrichContext): void | Promise<void>;
}

export interface Variant {
  readonly name: string;
  /** The variant this one is "plus one change" of (null for v0). */
  readonly parent: string | null;
  /** The one change, in a sentence (shown by --help and in FINDINGS.md). */
  readonly change: string;
  /** Body text → JS value; the HTTP layer's checks (`validation`) follow. */
  parseBody(text: string): unknown;
  /**
   * How the HTTP layer checks the parsed body, with the same status, message
   * and path either way: "schema" — the envelope, the ordered-attrs test, then
   * Elysia's TypeBox schema (src/http/schema.ts); "one-pass" — all of it in one
   * loop over the events (src/http/one-pass.ts).
   */
  readonly validation: Validation;
  /** Batches of at least this many events have their body bytes kept for the stages (request-body.ts): a variant that copies from them. Infinity: never. */
  readonly keepBodyFrom: number;
  /**
   * A variant's own count of the body's nesting depth, before any parser sees
   * it, with src/http/nesting.ts's contract (`max + 1` once past `max`), or
   * undefined where it does not count (the HTTP layer's scan then does).
   * Absent: the HTTP layer's scan counts every body.
   */
  readonly nestingDepth?: DepthScan;
  /**
   * A variant's own check of the body's bytes, before the HTTP layer's checks
   * of the parsed body: true only where every one of them (schema and beyond)
   * would pass, so they are skipped; false where it leaves the body to them.
   * Absent: the HTTP layer checks every body.
   */
  readonly checkBody?: BodyCheck;
  /**
   * A variant's own reading of the body's bytes, before any decode or parse:
   * a request it can answer from (v23-unparsed-body) where every check of
   * the parsed body would pass, so the HTTP layer neither decodes, parses
   * nor checks it; undefined where it leaves the body to the HTTP layer.
   * Absent: every body is parsed.
   */
  readonly viewBody?: BodyView;
  /** A validated request → the response body: the whole handler minus HTTP. */
  respond(req: EnrichRequest, ctx: EnrichContext): Answer | Promise<Answer>;
  /**
   * respond gives the answer itself, not a promise of it, whenever its stages
   * do (v25-in-turn-answer): no async function, no await, no microtask between
   * the request and its answer. False: respond is an async function (every
   * earlier rung). Either way the HTTP layer takes what it is given.
   */
  readonly answersInTurn: boolean;
  readonly stages: Stages;
}

export type Validation = "schema" | "one-pass";

/** A response body as a variant gives it: JSON text, or the same JSON as UTF-8 bytes. Byte for byte the same answer either way. */
export type Answer = string | Uint8Array;

const utf8 = new TextDecoder();
/** answerText: an answer as text, whichever form the variant gave it (tests, benchmarks and tools compare text). */
export function answerText(a: Answer): string {
  return typeof a === "string" ? a : utf8.decode(a);
}

/** What a variant says about the HTTP layer's side of the request (defaults: JSON.parse, then the schema, the HTTP layer's depth scan). */
export interface BodyOptions {
  parseBody?: (text: string) => unknown;
  validation?: Validation;
  keepBodyFrom?: number;
  nestingDepth?: DepthScan;
  checkBody?: BodyCheck;
  viewBody?: BodyView;
  answersInTurn?: boolean;
}

/**
 * A request read from body bytes that are certainly UTF-8 and certainly pass every check of the parsed body under
 * `limits`, so the HTTP layer neither decodes nor parses them; undefined: not known (the body is parsed). The bytes
 * are not yet checked for UTF-8 when it is called: a view refuses any that are not. The request carries its bytes.
 */
export type BodyView = (bytes: Uint8Array, limits: Limits) => EnrichRequest | undefined;

/** A nesting-depth count of body bytes, or undefined for a body it leaves to the HTTP layer's scan. */
export type DepthScan = (bytes: Uint8Array, max: number) => number | undefined;

/** Whether body bytes (already known to be UTF-8) certainly pass every check of the parsed body under `limits`; false: not known. */
export type BodyCheck = (bytes: Uint8Array, limits: Limits) => boolean;

/** A variant whose response is serialize(enrichBatch(...)) over its stages. */
export function fromStages(name: string, parent: string | null, change: string, stages: Stages, { parseBody = JSON.parse, validation = "schema", keepBodyFrom = Infinity, nestingDepth, checkBody, viewBody, answersInTurn = false }: BodyOptions = {}): Variant {
  return {
    name,
    parent,
    change,
    parseBody,
    validation,
    keepBodyFrom,
    nestingDepth,
    checkBody,
    viewBody,
    answersInTurn,
    respond: answersInTurn
      ? (req, ctx) => {
          const results = stages.enrichBatch(req, ctx);
          return results instanceof Promise ? results.then((r) => auditedAnswer(stages, req, r, ctx)) : auditedAnswer(stages, req, results, ctx);
        }
      : async (req, ctx) => {
          const results = await stages.enrichBatch(req, ctx);
          const audited = stages.audit(req, results, ctx);
          if (audited) await audited;
          return stages.serialize(results);
        },
    stages,
  };
}

/** The serialized results once their audit entries are written: in the same turn when the audit stage does not wait. */
function auditedAnswer(stages: Stages, req: EnrichRequest, results: unknown[], ctx: EnrichContext): Answer | Promise<Answer> {
  const audited = stages.audit(req, results, ctx);
  return audited ? audited.then(() => stages.serialize(results)) : stages.serialize(results);
}

/** noAudit: the audit stage of every variant that does not write the audit log (v0's log was never written). */
export function noAudit(): void {}

/** writesAudit: whether a variant's audit stage writes the audit log (`--audit` needs one that does). */
export function writesAudit(v: Variant): boolean {
  return v.stages.audit !== noAudit;
}

/**
 * The ladder's one rule, as code: a new variant is its parent with some stages
 * replaced (one change). Unreplaced stages are inherited through the prototype,
 * so `this.parseKey` inside an inherited stage reaches the replacement; the
 * body options (`body`) are inherited too unless the change is one of them.
 */
export function derive(parent: Variant, name: string, change: string, replace: Partial<Stages> & ThisType<Stages>, body: BodyOptions = {}): Variant {
  const stages = Object.assign(Object.create(parent.stages) as Stages, replace);
  return fromStages(name, parent.name, change, stages, { parseBody: parent.parseBody, validation: parent.validation, keepBodyFrom: parent.keepBodyFrom, nestingDepth: parent.nestingDepth, checkBody: parent.checkBody, viewBody: parent.viewBody, answersInTurn: parent.answersInTurn, ...body });
}
