/**
 * What a variant is: the whole /enrich pipeline between "body bytes arrived"
 * and "response text ready". Every variant produces byte-identical output
 * (test/golden); each one after v0 is its parent plus exactly one change.
 */
import type { Limits } from "../config.ts";
import type { Index } from "../index/contract.ts";

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
}

/**
 * The hot functions a variant is built from, exposed by name so that
 * micro-benchmarks measure exactly what the handler runs. Signatures are fixed
 * across variants; a variant that fuses stages still provides each one.
 */
export interface Stages {
  /** Decimal key string → its (hi, lo) u32 halves. */
  parseKey(key: string): { hi: number; lo: number };
  /** Key string → index position, or -1 for a miss (includes any locking). */
  lookup(key: string, ctx: EnrichContext): number | Promise<number>;
  /** Index position → the result fields in wire order (account … name). */
  decode(pos: number, ctx: EnrichContext): Record<string, unknown>;
  /** A validated batch → result objects, one per event, in order. */
  enrichBatch(req: EnrichRequest, ctx: EnrichContext): unknown[] | Promise<unknown[]>;
  /** Result objects → the response body text. */
  serialize(results: unknown[]): string;
}

export interface Variant {
  readonly name: string;
  /** The variant this one is "plus one change" of (null for v0). */
  readonly parent: string | null;
  /** The one change, in a sentence (shown by --help and in FINDINGS.md). */
  readonly change: string;
  /** Body text → JS value; the shared schema validates it next. */
  parseBody(text: string): unknown;
  /** A validated request → the response body text: the whole handler minus HTTP. */
  respond(req: EnrichRequest, ctx: EnrichContext): string | Promise<string>;
  readonly stages: Stages;
}
