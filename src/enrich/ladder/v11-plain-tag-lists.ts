/**
 * v11-plain-tag-lists: v10-batched-lookup plus one change — the shared tag
 * lists that `decode` hands out are plain arrays, not frozen ones. JSC's
 * JSON.stringify leaves its fast path for the whole value when it meets a
 * frozen array (non-writable elements), so every result that carried one was
 * serialized by the generic path: ~3× the cost of the same text from plain
 * arrays (bench/suites: Serialize). The lists are still built once per bit
 * pattern and shared; nothing on the path mutates a result (results are only
 * serialized; audit entries carry no tags). Same bytes: the golden files
 * hold. Evidence: FINDINGS.md §16.
 */
import type { EnrichContext } from "../variant.ts";
import { derive } from "../variant.ts";
import { tableDecoder, tagTable } from "./v4-table-decode.ts";
import { isoSecondsByArithmetic } from "./v9-arithmetic-date.ts";
import { v10BatchedLookup } from "./v10-batched-lookup.ts";

const decodePlainTags = tableDecoder(isoSecondsByArithmetic, tagTable(false));

export const v11PlainTagLists = derive(v10BatchedLookup, "v11-plain-tag-lists", "the shared tag lists are plain arrays, not frozen ones, so JSON.stringify of the results stays on its fast path", {
  decode(pos: number, ctx: EnrichContext): Record<string, unknown> {
    return decodePlainTags(ctx.index.payload(pos));
  },
});
