/**
 * v15-json-bytes: v12-one-pass-validation plus one change — the answer is
 * written as UTF-8 JSON bytes by hand, straight from each hit's payload
 * (json-bytes.ts), instead of a result object per event with its decoded
 * fields spread in, one JSON.stringify of them all, and Bun's UTF-16 → UTF-8
 * pass over that text. `assemble` now carries each event with its payload
 * view, and `serialize` writes the bytes: the two halves of one change (the
 * writer reads what the objects were built from). Same bytes: the golden
 * files hold, and test/enrich/json-bytes.test.ts holds the writer to v12's
 * text over generated batches with hostile attrs and corrupt payloads.
 * Evidence: FINDINGS.md §23.
 */
import type { EnrichContext, EnrichRequest } from "../variant.ts";
import { derive } from "../variant.ts";
import { type PayloadResult, writeResults } from "./json-bytes.ts";
import { v12OnePassValidation } from "./v12-one-pass-validation.ts";

export const v15JsonBytes = derive(v12OnePassValidation, "v15-json-bytes", "the answer is written as UTF-8 JSON bytes by hand from each hit's payload, not built as result objects and passed to JSON.stringify", {
  assemble(req: EnrichRequest, positions: readonly number[], ctx: EnrichContext): PayloadResult[] {
    const events = req.events;
    const results = new Array<PayloadResult>(events.length);
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      const pos = positions[i]!;
      results[i] = { key: e.key, found: pos >= 0, attrs: e.attrs, payload: pos >= 0 ? ctx.index.payload(pos) : undefined };
    }
    return results;
  },
  serialize(results: unknown[]): Uint8Array {
    return writeResults(results as PayloadResult[]);
  },
});
