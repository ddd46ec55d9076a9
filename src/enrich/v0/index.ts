/**
 * v0: the service as it was inherited, kept forever as the control. Its slow
 * habits each live in a named function so a CPU profile can point at them:
 *
 *   cloneRulesPerRequest   JSON deep clone of the rules config, every request
 *   auditCopyOfBatch       JSON deep clone of the whole batch, every request
 *   parseKeyWithBigInt     regex compiled per call + BigInt arithmetic
 *   lookupUnderIndexLock   async mutex held across an await, per event
 *   decodeFieldsByHand     per-byte strings, template-string number formatting,
 *                          linear scans and a re-sort of the rules per event
 *   payloadHex             per-byte hex string of every payload (a memo key)
 *   serializeByConcatenation  `+=` response building, one stringify per field
 */
import type { EnrichContext, EnrichRequest, Stages, Variant } from "../variant.ts";
import { AsyncMutex } from "../async-mutex.ts";
import { decodeFieldsByHand, payloadHex } from "./decode.ts";
import { parseKeyWithBigInt } from "./parse-key.ts";
import { RULES, cloneRulesPerRequest, type Rules } from "./rules.ts";
import { serializeByConcatenation, turboStringify, type JsonLib } from "./serialize.ts";

/** The lock the original owner put around the index "for hot-reload safety". */
export const indexLock = new AsyncMutex("index-reload-lock");

let indexGeneration = 0;

/** checkIndexGeneration: the hot-reload check the lock protects (always current: reload never shipped). */
async function checkIndexGeneration(): Promise<number> {
  return indexGeneration;
}

/** lookupUnderIndexLock holds the index lock across an await for every single key. */
async function lookupUnderIndexLock(key: string, ctx: EnrichContext): Promise<number> {
  const release = await indexLock.acquire();
  try {
    const { hi, lo } = parseKeyWithBigInt(key);
    await checkIndexGeneration();
    return ctx.index.find(hi, lo);
  } finally {
    release();
  }
}

/** auditCopyOfBatch: a defensive deep copy of the request "for the audit log" (never written). */
function auditCopyOfBatch(req: EnrichRequest): EnrichRequest {
  return JSON.parse(JSON.stringify(req)) as EnrichRequest;
}

function decodeAt(pos: number, ctx: EnrichContext, rules: Rules): Record<string, unknown> {
  return decodeFieldsByHand(ctx.index.payload(pos), rules);
}

async function enrichBatchV0(req: EnrichRequest, ctx: EnrichContext): Promise<unknown[]> {
  const rules = cloneRulesPerRequest(RULES);
  const batch = auditCopyOfBatch(req);
  const memo = new Map<string, Record<string, unknown>>();
  const results = [];
  for (let i = 0; i < batch.events.length; i++) {
    const event = batch.events[i]!;
    const pos = await lookupUnderIndexLock(event.key, ctx);
    const base = { key: event.key, found: pos >= 0, attrs: req.events[i]!.attrs };
    if (pos < 0) {
      results.push({ ...base });
      continue;
    }
    const hex = payloadHex(ctx.index.payload(pos));
    let fields = memo.get(hex);
    if (!fields) {
      fields = decodeAt(pos, ctx, rules);
      memo.set(hex, fields);
    }
    results.push({ ...base, ...fields });
  }
  return results;
}

/** Builds v0 with the given JSON library ("turbo" is the switch that changed nothing). */
export function makeV0(jsonLib: JsonLib = "builtin"): Variant {
  const serialize = jsonLib === "turbo" ? turboStringify : serializeByConcatenation;
  const stages: Stages = {
    parseKey: parseKeyWithBigInt,
    lookup: lookupUnderIndexLock,
    decode: (pos, ctx) => decodeAt(pos, ctx, cloneRulesPerRequest(RULES)),
    enrichBatch: enrichBatchV0,
    serialize,
  };
  return {
    name: jsonLib === "turbo" ? "v0-turbo-json" : "v0",
    parent: jsonLib === "turbo" ? "v0" : null,
    change: jsonLib === "turbo" ? "the inherited switch to a 'faster' JSON library (changed nothing; kept to prove it)" : "the inherited service, slow habits and all",
    parseBody: (text) => JSON.parse(text),
    respond: async (req, ctx) => serialize(await enrichBatchV0(req, ctx)),
    stages,
  };
}
