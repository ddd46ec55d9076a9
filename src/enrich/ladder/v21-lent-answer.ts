/**
 * v21-lent-answer: v20-five-digit-keys plus one change — the answer is written
 * into a buffer the writer lends and takes back once the HTTP layer has built
 * the Response (`releaseAnswer`), instead of into a scratch buffer it then
 * slices into a fresh array per request. Bun copies a byte body when the
 * Response is constructed (test/http/response-copy.test.ts holds it to that),
 * so the slice was a second copy of every answer into new memory: for a fat
 * batch ~300 kB written, page-faulted and left to the GC per request. Same
 * bytes. Evidence: FINDINGS.md §32.
 */
import { derive } from "../variant.ts";
import { type PositionResults, releaseAnswer, writeAnswer } from "./native-fields.ts";
import { v20FiveDigitKeys } from "./v20-five-digit-keys.ts";

export const v21LentAnswer = derive(v20FiveDigitKeys, "v21-lent-answer", "the answer is written into a buffer lent until the Response has copied it, not sliced into a fresh array per request", {
  serialize(results: unknown[]): Uint8Array {
    return writeAnswer(results as PositionResults, true);
  },
  releaseAnswer,
});
