/**
 * v4-sync-lookups (a side variant, the Amdahl control): v4-table-decode plus
 * one change — `lookupAll` looks every key up synchronously, instead of
 * awaitEachLookup's one `await` per event (a promise and a microtask each,
 * though the lock-free lookup answers at once). Optimized to completion, it
 * removes a frame of ~2% of the JS thread's CPU, and FINDINGS.md §5a predicts
 * and measures what that buys end to end. Kept off the main line like
 * v0-turbo-json: it proves that finishing a small frame moves little.
 */
import type { EnrichContext, EnrichEvent } from "../variant.ts";
import { derive } from "../variant.ts";
import { v4TableDecode } from "./v4-table-decode.ts";

export const v4SyncLookups = derive(v4TableDecode, "v4-sync-lookups", "(side variant) every key is looked up synchronously: no await, promise or microtask per event", {
  lookupAll(events: readonly EnrichEvent[], ctx: EnrichContext): number[] {
    const positions = new Array<number>(events.length);
    for (let i = 0; i < events.length; i++) positions[i] = this.lookup(events[i]!.key, ctx) as number;
    return positions;
  },
});
