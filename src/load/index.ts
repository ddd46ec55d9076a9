/**
 * The load harness as a library. Typical use (e.g. from scripts/profile.ts):
 *
 *   const run = startLoad({ url, corpus, rps: 2000, durationMs: 30_000 }, { onWindow });
 *   ... capture profiles while it runs; run.snapshot() gives the figures so far ...
 *   const result = await run.done;            // what `bun run load --json` prints
 *   writeHistOut(`${dir}/hist.json`, result); // hist.json + hist.hgrm
 */
export { LOAD_DEFAULTS, HISTOGRAM } from "../config.ts";
export { LoadError } from "./errors.ts";
export { runLoad, startLoad, type LoadHandle, type LoadHooks, type Progress } from "./run.ts";
export { REAL_RUNTIME, type Runtime, type Timer, type TransportFactory } from "./runtime.ts";
export { findMax, verdictOf, type FindMaxInput, type FindMaxResult, type Step } from "./find-max.ts";
export { resolveOptions, checkOptions, type LoadInput, type LoadOptions } from "./options.ts";
export { decodeHistograms, type LoadResult, type EncodedHistograms } from "./result.ts";
export { HISTOGRAM_MEANING, HISTOGRAM_NAMES, percentileDistribution, summarize, type LatencySummary } from "./histograms.ts";
export { writeHistOut } from "./hist-out.ts";
export { percentileSvg, curveSvg } from "./plot.ts";
export { table, curveTable, progressLine } from "./report.ts";
export type { Counts, WindowStats } from "./recorder.ts";
export type { ServerLimit, Validity } from "./validity.ts";
