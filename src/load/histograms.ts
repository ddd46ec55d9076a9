/**
 * Latency histograms: one HdrHistogram per measured quantity, recorded in
 * integer microseconds (bounds and precision in HISTOGRAM), summarised in
 * milliseconds.
 */
import { HISTOGRAM } from "../config.ts";
import * as hdr from "hdr-histogram-js";

export type Histogram = hdr.Histogram;

/** The quantities the harness measures, by name. */
export const HISTOGRAM_NAMES = ["corrected", "service", "sendLag", "scheduleLag"] as const;
export type HistogramName = (typeof HISTOGRAM_NAMES)[number];

/** One-line meaning of each histogram, for tables, files and docs. */
export const HISTOGRAM_MEANING: Record<HistogramName, string> = {
  corrected: "completion − intended start (the headline; includes every wait)",
  service: "completion − actual send (what the server took)",
  sendLag: "actual send − intended start (generator lateness + wait for a free connection)",
  scheduleLag: "first tick that saw the request due − intended start (the generator's own lateness)",
};

/** Builds an empty histogram with the stated bounds. */
export function newHistogram(): Histogram {
  return hdr.build({
    bitBucketSize: 32,
    autoResize: false,
    lowestDiscernibleValue: HISTOGRAM.lowestDiscernibleValue,
    highestTrackableValue: HISTOGRAM.highestTrackableValue,
    numberOfSignificantValueDigits: HISTOGRAM.numberOfSignificantValueDigits,
  });
}

/** Records a duration given in milliseconds; returns true when it had to be clamped into range. */
export function recordMs(h: Histogram, ms: number): boolean {
  let us = Math.round(ms * 1000);
  let clamped = false;
  if (!(us >= 0)) {
    us = 0; // a clock that went backwards by a rounding error: never let NaN or a negative through
    clamped = ms < -0.001 || Number.isNaN(ms);
  } else if (us > HISTOGRAM.highestTrackableValue) {
    us = HISTOGRAM.highestTrackableValue;
    clamped = true;
  }
  h.recordValue(us);
  return clamped;
}

/** Summary of one histogram, in milliseconds. */
export interface LatencySummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p99_9: number;
  max: number;
}

/** The percentiles every report shows, as (label, percentile) pairs. */
export const REPORTED_PERCENTILES: readonly (readonly [keyof LatencySummary, number])[] = [
  ["p50", 50],
  ["p90", 90],
  ["p99", 99],
  ["p99_9", 99.9],
];

const ms = (us: number) => Math.round(us) / 1000;

/** Summarises a histogram in milliseconds; all zeros when it is empty. */
export function summarize(h: Histogram): LatencySummary {
  if (h.totalCount === 0) return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p99_9: 0, max: 0 };
  return {
    count: h.totalCount,
    min: ms(h.getValueAtPercentile(0)),
    mean: Math.round(h.mean) / 1000,
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p99: ms(h.getValueAtPercentile(99)),
    p99_9: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
  };
}

/** Encodes a histogram in HdrHistogram's compressed base64 form (what HistogramLogReader and the Java tools read). */
export function encode(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

/** Decodes a histogram encoded by `encode`. */
export function decode(base64: string): Histogram {
  return hdr.decodeFromCompressedBase64(base64, 32);
}

/**
 * The percentile distribution in HdrHistogram's standard text form (`.hgrm`),
 * values in milliseconds, as HdrHistogram's plotter and wrk2's
 * "Detailed Percentile spectrum" use.
 */
export function percentileDistribution(h: Histogram, ticksPerHalfDistance = 5): string {
  return h.outputPercentileDistribution(ticksPerHalfDistance, 1000);
}
