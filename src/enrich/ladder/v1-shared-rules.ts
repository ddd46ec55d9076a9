/**
 * v1-shared-rules: v0 plus one change — `begin` hands every request the one
 * copy of the routing rules, deep-frozen at start, instead of a fresh JSON
 * clone of all 1,300 (cloneRulesPerRequest). The clone existed so "a handler
 * can never mutate shared config"; freezing gives the same guarantee (a write
 * throws in strict mode) once, instead of paying for it per request.
 * Evidence: FINDINGS.md §2.
 */
import { derive } from "../variant.ts";
import { auditCopyOfBatch, v0, type V0Scope } from "../v0/index.ts";
import { RULES, cloneRulesPerRequest, type Rules } from "../v0/rules.ts";
import type { EnrichRequest } from "../variant.ts";

function deepFreeze<T>(x: T): T {
  if (x && typeof x === "object" && !Object.isFrozen(x)) {
    Object.freeze(x);
    for (const v of Object.values(x)) deepFreeze(v);
  }
  return x;
}

/** The rules as v0 sees them after its clone, made once and frozen. */
export const SHARED_RULES: Readonly<Rules> = deepFreeze(cloneRulesPerRequest(RULES));

export const v1SharedRules = derive(v0, "v1-shared-rules", "the routing rules are one frozen copy shared by every request, not a JSON clone of all 1,300 per request", {
  begin(req: EnrichRequest): V0Scope {
    return { rules: SHARED_RULES, batch: auditCopyOfBatch(req) };
  },
});
