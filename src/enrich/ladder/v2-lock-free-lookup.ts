/**
 * v2-lock-free-lookup: v1-shared-rules plus one change — `lookup` reads the
 * index through the context's reference, with no lock and no per-key stat.
 * v0 held an async mutex "for hot-reload safety" across a stat of the
 * index's directory file on every key; reload never shipped, so the stat
 * never saw a change, and the lock serialized every key of every request
 * behind a thread-pool round trip. The pattern a real hot reload uses needs
 * neither: index files are immutable, a reload opens a new Index and swaps
 * the reference, and a reader holds whichever it read. Evidence: FINDINGS.md §3.
 */
import type { EnrichContext } from "../variant.ts";
import { derive } from "../variant.ts";
import { v1SharedRules } from "./v1-shared-rules.ts";

export const v2LockFreeLookup = derive(v1SharedRules, "v2-lock-free-lookup", "index lookups read an immutable index reference: no lock and no per-key stat of the index directory", {
  lookup(key: string, ctx: EnrichContext): number {
    const { hi, lo } = this.parseKey(key);
    return ctx.index.find(hi, lo);
  },
});
