/**
 * Pieces shared by report.html and the diff report: the page shell with the
 * flame-graph renderer inlined (d3 + d3-flame-graph from node_modules, so the
 * file opens offline), flame trees built from pprof samples, and an SVG plot
 * of latency by percentile for any number of histograms.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Histogram } from "../../src/load/histograms.ts";
import { PROJECT_ROOT } from "../../src/root.ts";
import type { FlatProfile } from "../../src/admin/pprof.ts";

export const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A node of the tree d3-flame-graph draws (root first). `delta` only in differential mode. */
export interface FlameNode {
  name: string;
  value: number;
  delta?: number;
  children: FlameNode[];
}

/** Builds the call tree of one value column; nodes under `minShare` of the total are folded into their parent. */
export function flameTree(p: FlatProfile, index: number, rootName: string, scale = 1, minShare = 0.0005): FlameNode {
  const root: FlameNode = { name: rootName, value: 0, children: [] };
  const kids = new Map<FlameNode, Map<string, FlameNode>>();
  for (const s of p.samples) {
    const v = (s.values[index] ?? 0) * scale;
    if (!v) continue;
    root.value += v;
    let node = root;
    for (let i = s.stack.length - 1; i >= 0; i--) {
      const f = s.stack[i]!;
      const label = `${f.name}${f.file ? ` ${shortPath(f.file)}` : ""}`;
      let m = kids.get(node);
      if (!m) kids.set(node, (m = new Map()));
      let c = m.get(label);
      if (!c) {
        c = { name: label, value: 0, children: [] };
        m.set(label, c);
        node.children.push(c);
      }
      c.value += v;
      node = c;
    }
  }
  prune(root, root.value * minShare);
  return root;
}

function prune(n: FlameNode, min: number): void {
  n.children = n.children.filter((c) => c.value >= min);
  for (const c of n.children) prune(c, min);
}

/** Differential tree: B's shape and values, each node's delta = B − A on the same path (values already normalised by the caller). */
export function diffTree(a: FlameNode, b: FlameNode): FlameNode {
  const index = new Map<string, FlameNode>();
  const walk = (n: FlameNode, path: string) => {
    index.set(path, n);
    for (const c of n.children) walk(c, `${path}\n${c.name}`);
  };
  walk(a, "");
  const build = (n: FlameNode, path: string): FlameNode => ({
    name: n.name,
    value: n.value,
    delta: n.value - (index.get(path)?.value ?? 0),
    children: n.children.map((c) => build(c, `${path}\n${c.name}`)),
  });
  return build(b, "");
}

export function shortPath(file: string): string {
  const root = `${PROJECT_ROOT}/`;
  return file.startsWith(root) ? file.slice(root.length) : file.replace(/^.*\/node_modules\//, "node_modules/");
}

const asset = (p: string) => readFileSync(join(PROJECT_ROOT, "node_modules", p), "utf8");

/** The whole page: inlined d3, d3-flame-graph and its CSS, then `body`. */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>${asset("d3-flame-graph/dist/d3-flamegraph.css")}</style>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em auto;max-width:1200px;padding:0 1em;color:#222}
h1{font-size:1.4em;margin-bottom:.2em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:13px}td,th{padding:2px 8px;border-bottom:1px solid #eee;text-align:right}
td.l,th.l{text-align:left}code,pre{font:12px/1.35 ui-monospace,monospace}pre{background:#f6f6f6;padding:.6em;overflow:auto;max-height:30em}
.bad{color:#b00;font-weight:600}.good{color:#070}.muted{color:#777}.grid{display:grid;grid-template-columns:1fr 1fr;gap:1em}
.verdict{font-size:1.1em;padding:.5em .8em;background:#fff6e0;border-left:4px solid #e0a000}
.flame-controls button{margin-right:.3em}#flame-detail{min-height:1.4em;font:12px ui-monospace,monospace}
</style>
<script>${asset("d3/dist/d3.min.js")}</script>
<script>${asset("d3-flame-graph/dist/d3-flamegraph.umd.min.js")}</script>
</head><body>
${body}
</body></html>
`;
}

/**
 * The flame-graph block: buttons to switch between the given trees, a search
 * box, the chart. `differential` colours by each node's delta (red grew, blue shrank).
 */
export function flameBlock(trees: Record<string, { tree: FlameNode; unit: string; about: string }>, differential = false): string {
  const names = Object.keys(trees);
  if (!names.length) return `<p class="muted">no profile to draw</p>`;
  const data = JSON.stringify(trees).replace(/</g, "\\u003c");
  return `<div class="flame-controls">${names.map((n) => `<button data-tree="${esc(n)}">${esc(n)}</button>`).join("")}
<input id="flame-search" placeholder="search (regex)" size="24"> <button id="flame-reset">reset zoom</button> <span id="flame-about" class="muted"></span></div>
<div id="flame"></div><div id="flame-detail"></div>
<script>
(function(){
  const trees = ${data};
  const fmt = (v, unit) => unit === "nanoseconds" ? (Math.abs(v) >= 1e6 ? (v/1e6).toFixed(2)+" ms" : (v/1e3).toFixed(1)+" µs") : unit === "bytes" ? (v/1024).toFixed(1)+" kB" : Math.round(v*100)/100 + " " + unit;
  let chart;
  function show(name){
    const t = trees[name];
    document.getElementById("flame").innerHTML = "";
    document.getElementById("flame-about").textContent = name + ": " + t.about;
    const total = t.tree.value || 1;
    const make = flamegraph.default || flamegraph.flamegraph;
    chart = make().width(Math.max(600, Math.min(1180, (document.body.clientWidth || 1200) - 20))).cellHeight(18).minFrameSize(1).selfValue(false);
    if (${differential}) chart.setColorMapper(flamegraph.colorMapper.differentialColorMapper);
    chart
      .label(d => d.data.name + " — " + fmt(d.value, t.unit) + " (" + (100*d.value/total).toFixed(2) + "%)" + (d.data.delta !== undefined ? ", Δ " + fmt(d.data.delta, t.unit) : ""))
      .setDetailsElement(document.getElementById("flame-detail"));
    d3.select("#flame").datum(t.tree).call(chart);
  }
  document.querySelectorAll("button[data-tree]").forEach(b => b.addEventListener("click", () => show(b.dataset.tree)));
  document.getElementById("flame-search").addEventListener("input", e => { try { chart.search(e.target.value); } catch {} });
  document.getElementById("flame-reset").addEventListener("click", () => chart.resetZoom());
  show(${JSON.stringify(names[0])});
})();
</script>`;
}

export interface PlotSeries {
  name: string;
  hist: Histogram;
  color: string;
  dashed?: boolean;
}

/** Latency (ms) by percentile, x stretched toward the tail (x = −log10(1 − p)), as HdrHistogram plots it. */
export function percentilePlot(series: PlotSeries[], title: string): string {
  const W = 860, H = 420, L = 70, R = 190, T = 30, B = 50;
  const pw = W - L - R, ph = H - T - B;
  const pts = series.map((s) => {
    const out: [number, number][] = [];
    if (s.hist.totalCount === 0) return out;
    for (let x = 0; x <= 5.0001; x += 0.05) {
      const p = 100 * (1 - 10 ** -x);
      out.push([x, s.hist.getValueAtPercentile(Math.min(p, 100)) / 1000]);
      if (p >= 100 - 100 / s.hist.totalCount) break;
    }
    out.push([Math.min(5, Math.log10(s.hist.totalCount)), s.hist.maxValue / 1000]);
    return out;
  });
  const maxX = Math.max(2, ...pts.flat().map((p) => p[0]));
  const maxY = niceCeil(Math.max(0.01, ...pts.flat().map((p) => p[1])));
  const sx = (x: number) => L + (x / maxX) * pw;
  const sy = (y: number) => T + ph - (y / maxY) * ph;
  const xt = ["0%", "90%", "99%", "99.9%", "99.99%", "99.999%"].slice(0, Math.floor(maxX) + 1);
  const yt = [0, 0.25, 0.5, 0.75, 1].map((f) => f * maxY);
  const lines = series.map((s, i) => {
    const d = pts[i]!.map(([x, y], k) => `${k ? "L" : "M"}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join("");
    return `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ""}/>`;
  });
  const legend = series.map((s, i) => `<g transform="translate(${W - R + 12},${T + 10 + i * 20})"><line x1="0" x2="24" y1="0" y2="0" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ""}/><text x="30" y="4">${esc(s.name)}</text></g>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="system-ui,sans-serif" font-size="12">
<text x="${L}" y="18" font-weight="600">${esc(title)}</text>
${xt.map((t, i) => `<line x1="${sx(i)}" x2="${sx(i)}" y1="${T}" y2="${T + ph}" stroke="#eee"/><text x="${sx(i)}" y="${T + ph + 16}" text-anchor="middle">${t}</text>`).join("")}
${yt.map((v) => `<line x1="${L}" x2="${L + pw}" y1="${sy(v)}" y2="${sy(v)}" stroke="#eee"/><text x="${L - 6}" y="${sy(v) + 4}" text-anchor="end">${fmtMs(v)}</text>`).join("")}
<line x1="${L}" x2="${L}" y1="${T}" y2="${T + ph}" stroke="#999"/><line x1="${L}" x2="${L + pw}" y1="${T + ph}" y2="${T + ph}" stroke="#999"/>
<text x="${L + pw / 2}" y="${H - 8}" text-anchor="middle">percentile</text><text transform="translate(16,${T + ph / 2}) rotate(-90)" text-anchor="middle">latency</text>
${lines.join("\n")}
${legend.join("\n")}
</svg>`;
}

function niceCeil(x: number): number {
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

const fmtMs = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(1)} s` : v >= 10 ? `${Math.round(v)} ms` : `${v.toFixed(v >= 1 ? 1 : 2)} ms`);
