/**
 * The result of a run: plain JSON, exactly what `--json` prints, and what
 * `runLoad` resolves to. Histograms ride along encoded, so the result alone
 * can be re-analysed, merged or turned into .hgrm files later.
 */
import { decode, type Histogram, type HistogramName, type LatencySummary } from "./histograms.ts";
import type { Counts, WindowStats } from "./recorder.ts";
import type { Validity } from "./validity.ts";
import { HISTOGRAM } from "../config.ts";

export interface LoadResult {
  tool: "enrich-load";
  url: string;
  corpus: { path: string; lines: number };
  options: {
    rps: number;
    arrivals: string;
    seed: number;
    durationMs: number;
    warmupMs: number;
    timeoutMs: number;
    connections: number | "unbounded";
    transport: string;
    /** The engine's timer (--timer): "precise" (sub-ms, a worker thread) or "ms" (setTimeout's whole ms, wrk2's grain). */
    timer: string;
  };
  /** Wall-clock start of the schedule (t0). */
  startedAt: string;
  /** False for a snapshot taken while the run is going. */
  complete: boolean;
  /** The caller stopped the schedule early; the measured period is shorter than asked. */
  aborted: boolean;
  /** Length of the measured period actually run, ms. */
  measuredMs: number;
  offeredRps: number;
  /** Measured requests written during the measured period, per second. */
  achievedRps: number;
  /** Measured responses received during the measured period, per second. */
  throughputRps: number;
  counts: Counts;
  /** Every scheduled request ended as exactly one outcome (true once a run has drained). */
  accounted: boolean;
  warmup: Counts;
  /** Milliseconds; see HISTOGRAM_MEANING. */
  latency: Record<HistogramName, LatencySummary>;
  validity: Validity;
  connections: {
    limit: number | "unbounded";
    peak: number;
    opened: number;
    /** Measured requests that found no free connection when due. */
    waited: number;
    /** Longest the pool queue got. */
    maxQueue: number;
  };
  windows: WindowStats[];
  histograms: EncodedHistograms;
}

/** The four histograms in HdrHistogram's compressed base64 encoding, values in µs. */
export interface EncodedHistograms extends Record<HistogramName, string> {
  unit: "us";
  lowestDiscernibleValue: number;
  highestTrackableValue: number;
  significantDigits: number;
}

/** Bounds that every encoded histogram set carries. */
export const histogramBounds = () => ({
  unit: HISTOGRAM.unit,
  lowestDiscernibleValue: HISTOGRAM.lowestDiscernibleValue,
  highestTrackableValue: HISTOGRAM.highestTrackableValue,
  significantDigits: HISTOGRAM.numberOfSignificantValueDigits,
});

/** Decodes a result's histograms back into live HdrHistograms. */
export function decodeHistograms(h: EncodedHistograms): Record<HistogramName, Histogram> {
  return { corrected: decode(h.corrected), service: decode(h.service), sendLag: decode(h.sendLag), scheduleLag: decode(h.scheduleLag) };
}
