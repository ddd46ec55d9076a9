/**
 * --plot FILE: self-contained SVG charts, no dependencies. A single run
 * plots its latency by percentile (HdrHistogram's classic view: the x axis
 * stretches the tail, 90% → 99% → 99.9% ...) for corrected, service and
 * send lag; a find-max run plots corrected latency against offered rate,
 * with the threshold and every invalid step marked.
 */
import type { FindMaxResult } from "./find-max.ts";
import type { Histogram } from "./histograms.ts";
import { decodeHistograms, type LoadResult } from "./result.ts";

const W = 800, H = 480, L = 70, R = 150, T = 40, B = 60;
const PW = W - L - R, PH = H - T - B;
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"];

interface Series {
  name: string;
  points: [number, number][];
  color: string;
  dashed?: boolean;
}

/** Latency by percentile for one run. */
export function percentileSvg(r: LoadResult): string {
  const h = decodeHistograms(r.histograms);
  const series: Series[] = (
    [
      ["corrected", h.corrected],
      ["service time", h.service],
      ["send lag", h.sendLag],
    ] as [string, Histogram][]
  ).map(([name, hist], k) => ({ name, color: COLORS[k]!, points: percentilePoints(hist) }));
  const maxX = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p[0])));
  const maxY = niceCeil(Math.max(0.001, ...series.flatMap((s) => s.points.map((p) => p[1]))));
  const xTicks: [number, string][] = ["0%", "90%", "99%", "99.9%", "99.99%", "99.999%", "99.9999%"].slice(0, Math.ceil(maxX) + 1).map((label, i) => [i, label]);
  const yTicks = linearTicks(maxY).map((v): [number, string] => [v, fmtMs(v)]);
  const title = `${r.url} — ${r.options.arrivals} ${r.offeredRps} rps, ${r.counts.scheduled} requests${r.validity.valid ? "" : " — INVALID RUN"}`;
  return chart({
    title,
    xLabel: "percentile",
    yLabel: "latency (ms)",
    x: (v) => L + (v / Math.ceil(maxX)) * PW,
    y: (v) => T + PH - (v / maxY) * PH,
    xTicks,
    yTicks,
    series,
    extra: "",
  });
}

/** Corrected latency (p50, p99, p99.9) against offered rate for a find-max run. */
export function curveSvg(f: FindMaxResult): string {
  // One point per rate: the attempt that decided it (the last; earlier ones were invalid and retried).
  const last = new Map(f.steps.map((s) => [s.rps, s]));
  const steps = [...last.values()].sort((a, b) => a.rps - b.rps);
  const maxX = niceCeil(Math.max(1, ...steps.map((s) => s.rps)) * 1.05);
  const values = steps.flatMap((s) => [s.p50, s.p99, s.p99_9]).filter((v) => v > 0);
  const lo = 10 ** Math.floor(Math.log10(Math.max(0.001, Math.min(f.p99ThresholdMs, ...values))));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(f.p99ThresholdMs * 2, ...values)));
  const y = (v: number) => T + PH - ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * PH;
  const x = (v: number) => L + (v / maxX) * PW;
  const series: Series[] = (["p50", "p99", "p99_9"] as const).map((k, i) => ({
    name: k === "p99_9" ? "p99.9" : k,
    color: COLORS[i]!,
    points: steps.map((s): [number, number] => [s.rps, s[k]]),
  }));
  const yTicks: [number, string][] = [];
  for (let v = lo; v <= hi * 1.001; v *= 10) yTicks.push([v, fmtMs(v)]);
  const xTicks = linearTicks(maxX).map((v): [number, string] => [v, String(v)]);
  let extra = `<line x1="${L}" x2="${L + PW}" y1="${y(f.p99ThresholdMs)}" y2="${y(f.p99ThresholdMs)}" stroke="#555" stroke-dasharray="6 4"/>`;
  extra += `<text x="${L + PW - 4}" y="${y(f.p99ThresholdMs) - 6}" text-anchor="end" font-size="12" fill="#555">p99 threshold ${fmtMs(f.p99ThresholdMs)}</text>`;
  // Neither an invalid step (the generator's) nor a stolen one (the host's) is a point of the server's curve.
  for (const s of steps.filter((s) => s.verdict === "invalid" || s.verdict === "stolen")) {
    const cx = x(s.rps), cy = y(s.p99);
    extra += `<g stroke="#d00" stroke-width="2"><line x1="${cx - 6}" y1="${cy - 6}" x2="${cx + 6}" y2="${cy + 6}"/><line x1="${cx - 6}" y1="${cy + 6}" x2="${cx + 6}" y2="${cy - 6}"/></g>`;
  }
  if (f.maxRps !== null) {
    extra += `<line x1="${x(f.maxRps)}" x2="${x(f.maxRps)}" y1="${T}" y2="${T + PH}" stroke="#2ca02c" stroke-dasharray="2 3"/>`;
    extra += `<text x="${x(f.maxRps) + 4}" y="${T + 14}" font-size="12" fill="#2ca02c">max ${f.maxRps} rps</text>`;
  }
  extra += `<text x="${L + PW + 10}" y="${T + 90}" font-size="12" fill="#d00">✕ invalid or stolen step</text>`;
  return chart({ title: `${f.url} — latency vs offered rate (corrected)`, xLabel: "offered rate (requests/s)", yLabel: "latency (ms, log)", x, y, xTicks, yTicks, series, extra, dots: true });
}

function chart(c: {
  title: string;
  xLabel: string;
  yLabel: string;
  x: (v: number) => number;
  y: (v: number) => number;
  xTicks: [number, string][];
  yTicks: [number, string][];
  series: Series[];
  extra: string;
  dots?: boolean;
}): string {
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  parts.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${esc(c.title)}</text>`);
  for (const [v, label] of c.yTicks) {
    const yy = c.y(v).toFixed(1);
    parts.push(`<line x1="${L}" x2="${L + PW}" y1="${yy}" y2="${yy}" stroke="#eee"/><text x="${L - 6}" y="${yy}" dy="4" text-anchor="end" font-size="11">${label}</text>`);
  }
  for (const [v, label] of c.xTicks) {
    const xx = c.x(v).toFixed(1);
    parts.push(`<line x1="${xx}" x2="${xx}" y1="${T}" y2="${T + PH}" stroke="#eee"/><text x="${xx}" y="${T + PH + 16}" text-anchor="middle" font-size="11">${label}</text>`);
  }
  parts.push(`<rect x="${L}" y="${T}" width="${PW}" height="${PH}" fill="none" stroke="#333"/>`);
  parts.push(`<text x="${L + PW / 2}" y="${H - 18}" text-anchor="middle" font-size="12">${esc(c.xLabel)}</text>`);
  parts.push(`<text transform="translate(16 ${T + PH / 2}) rotate(-90)" text-anchor="middle" font-size="12">${esc(c.yLabel)}</text>`);
  c.series.forEach((s, i) => {
    const pts = s.points.map(([a, b]) => `${c.x(a).toFixed(1)},${c.y(b).toFixed(1)}`).join(" ");
    parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts}"/>`);
    if (c.dots) for (const [a, b] of s.points) parts.push(`<circle cx="${c.x(a).toFixed(1)}" cy="${c.y(b).toFixed(1)}" r="3" fill="${s.color}"/>`);
    parts.push(`<line x1="${L + PW + 10}" x2="${L + PW + 30}" y1="${T + 10 + i * 20}" y2="${T + 10 + i * 20}" stroke="${s.color}" stroke-width="2"/>`);
    parts.push(`<text x="${L + PW + 36}" y="${T + 14 + i * 20}" font-size="12">${esc(s.name)}</text>`);
  });
  parts.push(c.extra);
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}

/** Points (x = log10(1/(1−q)), y = ms) from p0 to the last value the count supports. */
function percentilePoints(h: Histogram): [number, number][] {
  if (h.totalCount === 0) return [];
  const maxX = Math.log10(h.totalCount);
  const pts: [number, number][] = [];
  for (let x = 0; x <= maxX + 1e-9; x += 0.05) pts.push([x, h.getValueAtPercentile(100 * (1 - 10 ** -x)) / 1000]);
  pts.push([maxX, h.maxValue / 1000]);
  return pts;
}

function linearTicks(max: number): number[] {
  const step = niceCeil(max / 5);
  const out: number[] = [];
  for (let v = 0; v <= max * 1.0001; v += step) out.push(Math.round(v * 1e6) / 1e6);
  return out;
}

/** Rounds up to 1, 2 or 5 times a power of ten. */
function niceCeil(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

const fmtMs = (v: number) => (v >= 1000 ? `${v / 1000}s` : `${Math.round(v * 1000) / 1000}ms`);
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
