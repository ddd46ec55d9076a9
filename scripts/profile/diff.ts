/**
 * Comparing two bundles, A (base) and B. Values are normalised per request
 * (a CPU profile's nanoseconds ÷ the requests answered in its window), so
 * two windows of different length or rate compare as "cost of one request";
 * without meta.json they fall back to shares of each profile's total.
 *
 * diffRows: what `go tool pprof -top -base A B` shows, per request.
 * writeDiffReport: frames that grew or shrank, a differential flame graph,
 * both latency distributions on one plot, GC and allocation changes.
 */
import { gcWallFractionOf } from "./gc-log.ts";
import { writeFileSync } from "node:fs";
import { basename } from "node:path";
import { decodeHistograms } from "../../src/load/index.ts";
import { esc, flameBlock, flameTree, diffTree, page, percentilePlot, shortPath } from "./html.ts";
import type { FlatProfile } from "../../src/admin/pprof.ts";
import { total } from "./pprof.ts";
import { type Loaded } from "./report.ts";
import { fmtValue, topRows } from "./top.ts";

export interface DiffRow {
  name: string;
  file: string;
  flatA: number;
  flatB: number;
  cumA: number;
  cumB: number;
}

/** Per-request scale of a profile (1/requests), or 1/total when the request count is unknown. */
export function perRequest(b: Loaded, p: FlatProfile, index: number): { scale: number; unit: string } {
  const req = b.meta?.load.requests ?? 0;
  if (req > 0) return { scale: 1 / req, unit: `${p.sampleTypes[index]!.unit}/request` };
  return { scale: 1 / (total(p, index) || 1), unit: "share" };
}

export function diffRows(a: FlatProfile, sa: number, b: FlatProfile, sb: number, index: number): DiffRow[] {
  const rows = new Map<string, DiffRow>();
  const add = (p: FlatProfile, s: number, side: "A" | "B") => {
    for (const r of topRows(p, index)) {
      let d = rows.get(r.key);
      if (!d) rows.set(r.key, (d = { name: r.name, file: r.file, flatA: 0, flatB: 0, cumA: 0, cumB: 0 }));
      d[`flat${side}`] = r.flat * s;
      d[`cum${side}`] = r.cum * s;
    }
  };
  add(a, sa, "A");
  add(b, sb, "B");
  return [...rows.values()];
}

const fmtU = (v: number, unit: string) => (unit === "share" ? `${(v * 100).toFixed(2)}%` : fmtValue(v, unit.replace("/request", "")));

/** The text table: flat and cum per request in A, in B, and the change; sorted by |Δ| (flat, or cum). */
export function diffText(rows: DiffRow[], unit: string, n = 20, by: "flat" | "cum" = "flat"): string {
  const d = (r: DiffRow) => (by === "flat" ? r.flatB - r.flatA : r.cumB - r.cumA);
  const sorted = rows.filter((r) => d(r) !== 0).sort((x, y) => Math.abs(d(y)) - Math.abs(d(x))).slice(0, n);
  const head = `${"Δ " + by}`.padStart(11) + `${"A " + by}`.padStart(11) + `${"B " + by}`.padStart(11) + `${"Δ cum"}`.padStart(11) + "  function" + `   (per ${unit === "share" ? "profile total" : "request"})`;
  const lines = sorted.map((r) => {
    const sign = (v: number) => (v > 0 ? "+" : "") + fmtU(v, unit);
    return `${sign(d(r)).padStart(11)}${fmtU(by === "flat" ? r.flatA : r.cumA, unit).padStart(11)}${fmtU(by === "flat" ? r.flatB : r.cumB, unit).padStart(11)}${sign(r.cumB - r.cumA).padStart(11)}  ${r.name}  ${shortPath(r.file)}`;
  });
  return [head, ...lines].join("\n");
}

const num = (x: number | null | undefined, d = 3) => (x === null || x === undefined || !Number.isFinite(x) ? "—" : String(Math.round(x * 10 ** d) / 10 ** d));
const change = (a: number | null | undefined, b: number | null | undefined) => {
  if (a == null || b == null || !Number.isFinite(a) || !Number.isFinite(b)) return "—";
  if (a === 0) return b === 0 ? "0" : "new";
  const r = (b / a - 1) * 100;
  return `<span class="${r > 0 ? "bad" : "good"}">${r > 0 ? "+" : ""}${r.toFixed(1)}%</span>`;
};

export function writeDiffReport(A: Loaded, B: Loaded, out: string): string {
  const la = A.hist?.latency, lb = B.hist?.latency;
  // On-CPU time of the JS thread (schedstat), never run-queue wait; older bundles have no such figure.
  const cpuPerReq = (x: Loaded) => (x.meta?.serverCpu.jsThreadOnCpuPerRequestUs != null ? x.meta.serverCpu.jsThreadOnCpuPerRequestUs / 1000 : null);
  const row = (label: string, a: number | null | undefined, b: number | null | undefined, unit = "") =>
    `<tr><td class="l">${esc(label)}</td><td>${num(a)}</td><td>${num(b)}</td><td>${change(a, b)}</td><td class="l muted">${esc(unit)}</td></tr>`;
  const table = `<table><tr><th class="l">measure</th><th>A</th><th>B</th><th>change</th><th></th></tr>
${row("offered rate", A.meta?.rate.offeredRps, B.meta?.rate.offeredRps, "req/s")}
${row("answered rate", A.meta?.rate.throughputRps, B.meta?.rate.throughputRps, "req/s")}
${row("corrected p50", la?.corrected?.p50, lb?.corrected?.p50, "ms")}
${row("corrected p99", la?.corrected?.p99, lb?.corrected?.p99, "ms")}
${row("corrected p99.9", la?.corrected?.p99_9, lb?.corrected?.p99_9, "ms")}
${row("service time mean", la?.service?.mean, lb?.service?.mean, "ms")}
${row("JS-thread on-CPU per request", cpuPerReq(A), cpuPerReq(B), "ms")}
${row("GC wall time / window", gcWallFractionOf(A.gc), gcWallFractionOf(B.gc), "of the window")}
${row("GC pause fraction", A.gc?.pauseFraction, B.gc?.pauseFraction, "of the window")}
${row("allocation per request", A.gc?.bytesPerRequest, B.gc?.bytesPerRequest, "bytes")}
</table><p>doctor: A <b>${esc(A.doctor?.verdict ?? "?")}</b>, B <b>${esc(B.doctor?.verdict ?? "?")}</b></p>`;

  let frames = "<p>no CPU profile in one of the bundles</p>";
  let flame = "";
  const pa = A.profiles.cpu, pb = B.profiles.cpu;
  if (pa && pb) {
    const i = pb.defaultIndex;
    const sa = perRequest(A, pa, i), sb = perRequest(B, pb, i);
    const unit = sa.unit === sb.unit ? sa.unit : "share";
    const scaleA = unit === "share" ? 1 / (total(pa, i) || 1) : sa.scale;
    const scaleB = unit === "share" ? 1 / (total(pb, i) || 1) : sb.scale;
    const rows = diffRows(pa, scaleA, pb, scaleB, i);
    const grew = rows.filter((r) => r.flatB > r.flatA).sort((x, y) => y.flatB - y.flatA - (x.flatB - x.flatA)).slice(0, 20);
    const shrank = rows.filter((r) => r.flatB < r.flatA).sort((x, y) => x.flatB - x.flatA - (y.flatB - y.flatA)).slice(0, 20);
    const tr = (r: DiffRow) => `<tr><td>${fmtU(r.flatB - r.flatA, unit)}</td><td>${fmtU(r.flatA, unit)}</td><td>${fmtU(r.flatB, unit)}</td><td>${fmtU(r.cumB - r.cumA, unit)}</td><td class="l"><code>${esc(r.name)}</code> <span class="muted">${esc(shortPath(r.file))}</span></td></tr>`;
    const head = `<tr><th>Δ flat</th><th>A flat</th><th>B flat</th><th>Δ cum</th><th class="l">function</th></tr>`;
    frames = `<p class="muted">CPU ${unit === "share" ? "as a share of each profile" : "per request (profile value ÷ requests answered in the window)"}, the <code>-base</code> view: B − A.</p>
<div class="grid"><div><h3>grew</h3><table>${head}${grew.map(tr).join("")}</table></div><div><h3>shrank</h3><table>${head}${shrank.map(tr).join("")}</table></div></div>`;
    const unitNs = unit === "share" ? "share" : "nanoseconds";
    flame = flameBlock({ "cpu (B, coloured by change vs A)": { tree: diffTree(flameTree(pa, i, "cpu", scaleA, 0), flameTree(pb, i, "cpu", scaleB)), unit: unitNs, about: "width = B per request; red grew, blue shrank vs A" } }, true);
  }

  const series = [];
  if (A.hist) {
    const h = decodeHistograms(A.hist.histograms);
    series.push({ name: "A corrected", hist: h.corrected, color: "#1f77b4" }, { name: "A service", hist: h.service, color: "#1f77b4", dashed: true });
  }
  if (B.hist) {
    const h = decodeHistograms(B.hist.histograms);
    series.push({ name: "B corrected", hist: h.corrected, color: "#d62728" }, { name: "B service", hist: h.service, color: "#d62728", dashed: true });
  }
  const title = `diff: ${basename(A.dir)} → ${basename(B.dir)}`;
  const body = `<h1>${esc(title)}</h1>
<p>A (base): <code>${esc(A.dir)}</code> — ${esc(A.meta?.command ?? "")}<br>B: <code>${esc(B.dir)}</code> — ${esc(B.meta?.command ?? "")}</p>
<h2>Summary</h2>${table}
<h2>Latency, both runs</h2>${series.length ? percentilePlot(series, "A blue, B red; solid corrected, dashed service time") : "<p>no hist.json</p>"}
<h2>CPU frames that grew or shrank</h2>${frames}
<h2>Differential flame graph</h2>${flame}`;
  writeFileSync(out, page(title, body));
  return out;
}
