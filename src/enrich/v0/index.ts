/**
 * v0: the service as it was inherited, kept forever as the control. Its slow
 * habits each live in a named function so a CPU profile can point at them:
 *
 *   cloneRulesPerRequest      JSON deep clone of the rules config, every request
 *   auditCopyOfBatch          JSON deep clone of the whole batch, every request
 *   parseKeyWithBigInt        regex compiled per call + BigInt arithmetic
 *   lookupUnderIndexLock      async mutex held across an await (a file stat), per event
 *   decodeFieldsByHand        per-byte strings, template-string number formatting,
 *                             linear scans and a re-sort of the rules per event
 *   payloadHex                per-byte hex string of every payload (a memo key)
 *   enrichBatchV0             the batch as three stages: lookupAll, then assemble
 *   awaitEachLookup           one awaited lookup per event, even a synchronous one
 *   assembleWithSpreads       object spreads per event, results grown by push
 *   decodeMemoizedByHex       a per-batch memo keyed by the payload's hex string
 *   serializeByConcatenation  `+=` response building, one stringify per field
 */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { DIR_FILE } from "../../index/format.ts";
import { fromStages, noAudit, type EnrichContext, type EnrichEvent, type EnrichRequest, type Scope, type Stages, type Variant } from "../variant.ts";
import { AsyncMutex } from "../async-mutex.ts";
import { decodeFieldsByHand, payloadHex } from "./decode.ts";
import { parseKeyWithBigInt } from "./parse-key.ts";
import { RULES, cloneRulesPerRequest, type Rules } from "./rules.ts";
import { serializeByConcatenation, turboStringify } from "./serialize.ts";

/** The lock the original owner put around the index "for hot-reload safety". */
export const indexLock = new AsyncMutex("index-reload-lock");

let indexGeneration = 0;
let indexMtimeMs = -1;

/**
 * checkIndexGeneration: the hot-reload check the lock protects. It stats the
 * index's directory file for a new mtime on every key (reload never shipped, so
 * the answer never changes). The stat is real I/O on Bun's thread pool: while
 * one request awaits it under the lock, every other request queues on the lock
 * and the core can sit idle — the lock-bound regime under high request rates.
 */
async function checkIndexGeneration(ctx: EnrichContext): Promise<number> {
  const { mtimeMs } = await stat(join(ctx.index.dir, DIR_FILE));
  if (mtimeMs !== indexMtimeMs) {
    if (indexMtimeMs >= 0) indexGeneration++;
    indexMtimeMs = mtimeMs;
  }
  return indexGeneration;
}

/** auditCopyOfBatch: a defensive deep copy of the request "for the audit log" (never written). */
export function auditCopyOfBatch(req: EnrichRequest): EnrichRequest {
  return JSON.parse(JSON.stringify(req)) as EnrichRequest;
}

export interface V0Scope extends Scope {
  rules: Rules;
  batch: EnrichRequest;
}

export const v0Stages: Stages = {
  begin(req: EnrichRequest): V0Scope {
    return { rules: cloneRulesPerRequest(RULES), batch: auditCopyOfBatch(req) };
  },

  parseKey: parseKeyWithBigInt,

  /** lookupUnderIndexLock holds the index lock across an await for every single key. */
  async lookup(key: string, ctx: EnrichContext): Promise<number> {
    return lookupUnderIndexLock(this, key, ctx);
  },

  decode(pos: number, ctx: EnrichContext, scope?: Scope): Record<string, unknown> {
    const rules = (scope as V0Scope | undefined)?.rules ?? cloneRulesPerRequest(RULES);
    return decodeFieldsByHand(ctx.index.payload(pos), rules);
  },

  /** enrichBatchV0: begin, then every lookup, then the results — each step a stage of its own. */
  async enrichBatch(req: EnrichRequest, ctx: EnrichContext): Promise<unknown[]> {
    return enrichBatchV0(this, req, ctx);
  },

  /** awaitEachLookup: one awaited lookup per event, in order, even when the lookup could answer at once. */
  async lookupAll(events: readonly EnrichEvent[], ctx: EnrichContext): Promise<number[]> {
    return awaitEachLookup(this, events, ctx);
  },

  /** assembleWithSpreads: per event, a base object spread into a fresh result with the decoded fields spread after it. */
  assemble(req: EnrichRequest, positions: readonly number[], ctx: EnrichContext, scope: Scope): unknown[] {
    return assembleWithSpreads(this, req, positions, ctx, scope);
  },

  /** decodeMemoizedByHex: the fields of a hit, memoized per batch under its payload's hex string. */
  fieldsAt(pos: number, ctx: EnrichContext, scope: Scope, memo: Map<string | number, Record<string, unknown>>): Record<string, unknown> {
    return decodeMemoizedByHex(this, pos, ctx, scope, memo);
  },

  serialize: serializeByConcatenation,

  /** The audit log the batch was copied for (auditCopyOfBatch) was never written. */
  audit: noAudit,
};

async function lookupUnderIndexLock(stages: Stages, key: string, ctx: EnrichContext): Promise<number> {
  const release = await indexLock.acquire();
  try {
    const { hi, lo } = stages.parseKey(key);
    await checkIndexGeneration(ctx);
    return ctx.index.find(hi, lo);
  } finally {
    release();
  }
}

async function enrichBatchV0(stages: Stages, req: EnrichRequest, ctx: EnrichContext): Promise<unknown[]> {
  const scope = stages.begin(req, ctx);
  const positions = await stages.lookupAll((scope as V0Scope).batch?.events ?? req.events, ctx);
  return stages.assemble(req, positions, ctx, scope);
}

async function awaitEachLookup(stages: Stages, events: readonly EnrichEvent[], ctx: EnrichContext): Promise<number[]> {
  const positions = [];
  for (let i = 0; i < events.length; i++) positions.push(await stages.lookup(events[i]!.key, ctx));
  return positions;
}

function assembleWithSpreads(stages: Stages, req: EnrichRequest, positions: readonly number[], ctx: EnrichContext, scope: Scope): unknown[] {
  const memo = new Map<string | number, Record<string, unknown>>();
  const results = [];
  for (let i = 0; i < positions.length; i++) {
    const event = req.events[i]!;
    const pos = positions[i]!;
    // attrs come from the request itself: the audit copy went through JSON and lost any key-order Proxy.
    const base = { key: event.key, found: pos >= 0, attrs: event.attrs };
    if (pos < 0) {
      results.push({ ...base });
      continue;
    }
    results.push({ ...base, ...stages.fieldsAt(pos, ctx, scope, memo) });
  }
  return results;
}

function decodeMemoizedByHex(stages: Stages, pos: number, ctx: EnrichContext, scope: Scope, memo: Map<string | number, Record<string, unknown>>): Record<string, unknown> {
  const hex = payloadHex(ctx.index.payload(pos));
  let fields = memo.get(hex);
  if (!fields) {
    fields = stages.decode(pos, ctx, scope);
    memo.set(hex, fields);
  }
  return fields;
}

export const v0: Variant = fromStages("v0", null, "the inherited service, slow habits and all", v0Stages);
