/**
 * v17-payload-prefetch: v16-native-fields plus one change — the hits'
 * payloads are sent for (eix_prefetch_payloads, one call) before JS writes the
 * heads, so their loads from the mapping overlap that work, instead of the C
 * writer prefetching 8 hits ahead and waiting on them (FINDINGS.md §25: half
 * of eix_write_answer on the 50M index was that wait). Same bytes: a prefetch
 * reads nothing. Evidence: FINDINGS.md §27.
 */
import { derive } from "../variant.ts";
import { type PositionResults, writeAnswer } from "./native-fields.ts";
import { v16NativeFields } from "./v16-native-fields.ts";

export const v17PayloadPrefetch = derive(v16NativeFields, "v17-payload-prefetch", "the hits' payloads are prefetched in one call before JS writes the heads, not 8 hits ahead inside the C writer", {
  serialize(results: unknown[]): Uint8Array {
    return writeAnswer(results as PositionResults, true);
  },
});
