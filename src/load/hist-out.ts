/**
 * --hist-out FILE: the encoded histograms as JSON in FILE, and next to it
 * the percentile distributions in HdrHistogram's `.hgrm` text form (what
 * HdrHistogram's plotter and wrk2 users read): `<base>.hgrm` for corrected
 * latency, `<base>.service.hgrm`, `<base>.send-lag.hgrm`, `<base>.schedule-lag.hgrm`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { HISTOGRAM_MEANING, percentileDistribution } from "./histograms.ts";
import { decodeHistograms, type LoadResult } from "./result.ts";

/** Writes FILE and its .hgrm siblings; returns every path written. */
export function writeHistOut(file: string, r: LoadResult): string[] {
  mkdirSync(dirname(file) || ".", { recursive: true });
  const base = file.replace(/\.json$/, "");
  const doc = {
    tool: r.tool,
    url: r.url,
    startedAt: r.startedAt,
    options: r.options,
    measuredMs: r.measuredMs,
    offeredRps: r.offeredRps,
    achievedRps: r.achievedRps,
    valid: r.validity.valid,
    meaning: HISTOGRAM_MEANING,
    latency: r.latency,
    histograms: r.histograms,
  };
  writeFileSync(file, JSON.stringify(doc, null, 2) + "\n");
  const h = decodeHistograms(r.histograms);
  const files: [string, string][] = [
    [`${base}.hgrm`, percentileDistribution(h.corrected)],
    [`${base}.service.hgrm`, percentileDistribution(h.service)],
    [`${base}.send-lag.hgrm`, percentileDistribution(h.sendLag)],
    [`${base}.schedule-lag.hgrm`, percentileDistribution(h.scheduleLag)],
  ];
  for (const [path, text] of files) writeFileSync(path, text);
  return [file, ...files.map(([p]) => p)];
}
