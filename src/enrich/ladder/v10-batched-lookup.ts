/**
 * v10-batched-lookup: v9-arithmetic-date plus one change — `lookupAll`
 * splits every key of the batch into u32 halves first and looks them all up
 * in one `index.findBatch` call, instead of awaitEachLookup's one awaited
 * `find` per event. With `--index-impl native` that call is the C library's
 * prefetching batch lookup (native/), which overlaps the cache misses of a
 * 1,000-key batch in a 50M index; on the TS index it is a loop. Positions
 * are the same, misses are -1 as before. Evidence: FINDINGS.md §15.
 */
import type { EnrichContext, EnrichEvent } from "../variant.ts";
import { derive } from "../variant.ts";
import { v9ArithmeticDate } from "./v9-arithmetic-date.ts";

// Long-lived buffers, grown to the largest batch seen: the native side copies through its own, and no batch allocates three arrays.
let his = new Uint32Array(1024), los = new Uint32Array(1024), out = new Int32Array(1024);

export const v10BatchedLookup = derive(v9ArithmeticDate, "v10-batched-lookup", "every key of the batch is looked up in one findBatch call (the native library's prefetching batch with --index-impl native), not one awaited find per event", {
  lookupAll(events: readonly EnrichEvent[], ctx: EnrichContext): number[] {
    const n = events.length;
    if (n > his.length) (his = new Uint32Array(n)), (los = new Uint32Array(n)), (out = new Int32Array(n));
    for (let i = 0; i < n; i++) {
      const { hi, lo } = this.parseKey(events[i]!.key);
      his[i] = hi;
      los[i] = lo;
    }
    ctx.index.findBatch(his, los, n, out);
    const positions = new Array<number>(n);
    for (let i = 0; i < n; i++) positions[i] = out[i]!;
    return positions;
  },
});
