/** Helpers for the profile tests: a small index with a thin corpus, and capture options sized for tests (seconds, not minutes). */
import { join } from "node:path";
import { writeCorpus } from "../../src/workload/corpus.ts";
import { type CaptureOptions } from "../../scripts/profile/bundle.ts";
import { builtIndex } from "../support/fixtures.ts";
import { CAPTURE_DEFAULTS } from "../../src/config.ts";

export const ENTRIES = 20_000;
export const SEED = 1;

/** A 20k-entry index (built once per test process) with thin.ndjson beside it. */
export function smallIndexWithCorpus(): string {
  const dir = builtIndex(ENTRIES, SEED);
  writeCorpus({ path: join(dir, "thin.ndjson"), mix: "thin", requests: 500, entries: ENTRIES, seed: SEED });
  return dir;
}

/** Short windows, no pinning (the test runner must not pin itself). */
export function testCapture(over: Partial<CaptureOptions> & Pick<CaptureOptions, "rps" | "out">): CaptureOptions {
  return {
    ...CAPTURE_DEFAULTS,
    durationMs: 2_000,
    warmupMs: 1_000,
    settleMs: 2_000,
    checkWindows: 1,
    traceMs: 1_000,
    mix: "thin",
    heapSnapshot: false,
    pin: false,
    ...over,
  };
}
