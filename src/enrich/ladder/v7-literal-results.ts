/**
 * v7-literal-results: v6-no-audit-copy plus one change — `assemble` builds
 * each result as one object literal in wire order, into an array sized up
 * front, instead of assembleWithSpreads' base object spread into a fresh
 * object with the decoded fields spread after it (two objects and a
 * property-by-property copy per event, and a results array grown by push).
 * Evidence: FINDINGS.md §8.
 */
import type { EnrichContext, EnrichRequest, Scope } from "../variant.ts";
import { derive } from "../variant.ts";
import { v6NoAuditCopy } from "./v6-no-audit-copy.ts";

export const v7LiteralResults = derive(v6NoAuditCopy, "v7-literal-results", "each result is one object literal in wire order, not a spread of a base object and the decoded fields", {
  assemble(req: EnrichRequest, positions: readonly number[], ctx: EnrichContext, scope: Scope): unknown[] {
    const memo = new Map<string | number, Record<string, unknown>>();
    const events = req.events;
    const results = new Array<unknown>(positions.length);
    for (let i = 0; i < positions.length; i++) {
      const { key, attrs } = events[i]!;
      const pos = positions[i]!;
      if (pos < 0) {
        results[i] = { key, found: false, attrs };
        continue;
      }
      const f = this.fieldsAt(pos, ctx, scope, memo);
      results[i] = { key, found: true, attrs, account: f.account, segment: f.segment, country: f.country, tier: f.tier, score: f.score, tags: f.tags, since: f.since, name: f.name };
    }
    return results;
  },
});
