/**
 * v14-latin1-runs: v12-one-pass-validation plus one change — `serialize`
 * stringifies the results in runs. JSC's JSON.stringify leaves its fast path
 * for the whole value at the first string that is not Latin-1 (the corpus's
 * "東京" attr, in about 4% of events), so one such event made a fat answer
 * ~2.4× as costly to serialize (bench/stringify-paths.ts). Here each run of
 * consecutive Latin-1 results is one JSON.stringify (fast path), and each
 * result with a wider attr is stringified alone; the runs are joined in order.
 * A batch with no wide attr is still one JSON.stringify of `{results}`. Only
 * attrs can be wide: every other field of a result is digits, ASCII names or
 * generated ASCII text. Same bytes: the golden files hold. (v13 stringified
 * every result alone and lost at 1,000 events to the per-call cost: §18.)
 * Evidence: FINDINGS.md §21.
 */
import { derive } from "../variant.ts";
import { v12OnePassValidation } from "./v12-one-pass-validation.ts";

const WIDE = /[^\x00-\xff]/;

/** Whether a result's attrs hold a name or value JSON.stringify's fast path cannot take. */
function hasWideAttr(result: unknown): boolean {
  const attrs = (result as { attrs: Record<string, string> }).attrs;
  for (const name in attrs) if (WIDE.test(attrs[name]!) || WIDE.test(name)) return true;
  return false;
}

/** The results from..to (exclusive) as JSON array elements, without the brackets. */
const elements = (results: unknown[], from: number, to: number) => JSON.stringify(to - from === results.length ? results : results.slice(from, to)).slice(1, -1);

export function serializeInLatin1Runs(results: unknown[]): string {
  let firstWide = 0;
  while (firstWide < results.length && !hasWideAttr(results[firstWide])) firstWide++;
  if (firstWide === results.length) return JSON.stringify({ results });
  const parts: string[] = [];
  let start = 0;
  for (let i = firstWide; i <= results.length; i++) {
    if (i < results.length && !hasWideAttr(results[i])) continue;
    if (i > start) parts.push(elements(results, start, i));
    if (i < results.length) parts.push(JSON.stringify(results[i]));
    start = i + 1;
  }
  return `{"results":[${parts.join(",")}]}`;
}

export const v14Latin1Runs = derive(v12OnePassValidation, "v14-latin1-runs", "the results are stringified in runs of Latin-1 results (fast path), each result with a wider attr alone, not as one value that a single wide string sends to the generic path", {
  serialize: serializeInLatin1Runs,
});
