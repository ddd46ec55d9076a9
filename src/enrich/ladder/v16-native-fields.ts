/**
 * v16-native-fields: v15-json-bytes plus one change — each hit's fields
 * (account … name) are written by the native library straight from the mapped
 * payload, one eix_write_answer call per batch joining them with the heads JS
 * writes (keys and attrs), instead of json-bytes.ts's putFields: a few dozen
 * typed reads and byte stores per field in JS. `assemble` now carries each
 * event with its position rather than a payload view (the two halves of one
 * change: the C writer reads the payload by position). Same bytes, and where
 * the library is unavailable or an entry is corrupt, v15's writer answers
 * (native-fields.ts). Evidence: FINDINGS.md §25.
 */
import type { EnrichContext, EnrichRequest } from "../variant.ts";
import { derive } from "../variant.ts";
import { type PositionResult, type PositionResults, writeAnswer } from "./native-fields.ts";
import { v15JsonBytes } from "./v15-json-bytes.ts";

export const v16NativeFields = derive(v15JsonBytes, "v16-native-fields", "each hit's fields are written by the native library from the mapped payload, one call per batch, not byte by byte in JS", {
  assemble(req: EnrichRequest, positions: readonly number[], ctx: EnrichContext): PositionResults {
    const events = req.events;
    const results = new Array<PositionResult>(events.length) as PositionResults;
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      const pos = positions[i]!;
      results[i] = { key: e.key, found: pos >= 0, attrs: e.attrs, pos };
    }
    results.index = ctx.index;
    return results;
  },
  serialize(results: unknown[]): Uint8Array {
    return writeAnswer(results as PositionResults);
  },
});
