/**
 * report.html: one self-contained page per bundle — the verdict, the summary,
 * an interactive flame graph (CPU, and block/mutex/heap when they have
 * samples), the latency percentile plot, the top table, GC and event-loop
 * summaries and the whole meta.json. Opens offline: everything is inlined.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { decodeHistograms } from "../../src/load/index.ts";
import type { EncodedHistograms } from "../../src/load/result.ts";
import { BUNDLE, type Meta } from "./bundle.ts";
import { type Diagnosis, diagnose } from "./doctor.ts";
import { gcWallFractionOf, type GcSummary } from "./gc-log.ts";
import { esc, flameBlock, flameTree, page, percentilePlot, shortPath, type FlameNode } from "./html.ts";
import type { FlatProfile } from "../../src/admin/pprof.ts";
import { readProfile, sampleIndex, total } from "./pprof.ts";
import { readAnyProfile } from "./profile-file.ts";
import { crossCheck } from "./cross-check.ts";
import { parseProm, series } from "./prom.ts";
import { fmtValue, topRows } from "./top.ts";

/** What a bundle holds, loaded once for the report and the diff report. */
export interface Loaded {
  dir: string;
  meta: Meta | null;
  gc: GcSummary | null;
  hist: { latency: Record<string, { mean: number; p50: number; p90: number; p99: number; p99_9: number; max: number; count: number }>; histograms: EncodedHistograms } | null;
  doctor: Diagnosis | null;
  profiles: Partial<Record<"cpu" | "perf" | "block" | "mutex" | "heap", FlatProfile>>;
  metrics: Map<string, number>;
}

const readJson = <T>(p: string): T | null => {
  try {
    return JSON.parse(readFileSync(p, "utf8")) as T;
  } catch {
    return null;
  }
};

export async function loadBundle(dir: string): Promise<Loaded> {
  const profiles: Loaded["profiles"] = {};
  for (const [k, f] of [["cpu", BUNDLE.cpu], ["perf", BUNDLE.perf], ["block", BUNDLE.block], ["mutex", BUNDLE.mutex], ["heap", BUNDLE.heap]] as const) {
    if (existsSync(join(dir, f))) {
      try {
        profiles[k] = await readProfile(join(dir, f));
      } catch {}
    }
  }
  let metrics = new Map<string, number>();
  try {
    metrics = parseProm(readFileSync(join(dir, BUNDLE.metrics), "utf8"));
  } catch {}
  return {
    dir,
    meta: readJson<Meta>(join(dir, BUNDLE.meta)),
    gc: readJson<GcSummary>(join(dir, BUNDLE.gc)),
    hist: readJson(join(dir, BUNDLE.hist)),
    doctor: readJson<Diagnosis>(join(dir, BUNDLE.doctor)) ?? (await diagnose(dir)),
    profiles,
    metrics,
  };
}

const ABOUT = {
  cpu: "JS CPU samples over the window (idle not sampled)",
  perf: "on-CPU time of the JS thread from Linux perf_events (JIT frames from the jitdump; native code as one frame)",
  block: "event-loop stalls ≥ the block rate, by the stacks sampled during them",
  mutex: "async-lock wait time by acquirer stack",
  heap: "live heap by object type, right after the window",
} as const;

/** Flame trees of every profile that has samples. */
export function trees(b: Loaded): Record<string, { tree: FlameNode; unit: string; about: string }> {
  const out: Record<string, { tree: FlameNode; unit: string; about: string }> = {};
  for (const k of ["cpu", "perf", "block", "mutex", "heap"] as const) {
    const p = b.profiles[k];
    if (!p) continue;
    const i = k === "heap" ? sampleIndex(p, p.sampleTypes.find((t) => t.unit === "bytes")?.type) : p.defaultIndex;
    if (total(p, i) <= 0) continue;
    out[k] = { tree: flameTree(p, i, k), unit: p.sampleTypes[i]!.unit, about: ABOUT[k] };
  }
  return out;
}

export function topTableHtml(p: FlatProfile, index: number, n = 25): string {
  const unit = p.sampleTypes[index]!.unit;
  const rows = topRows(p, index, "flat").slice(0, n);
  const cum = topRows(p, index, "cum").slice(0, n);
  const tr = (r: (typeof rows)[number]) =>
    `<tr><td>${fmtValue(r.flat, unit)}</td><td>${(r.flatShare * 100).toFixed(1)}%</td><td>${fmtValue(r.cum, unit)}</td><td>${(r.cumShare * 100).toFixed(1)}%</td><td class="l"><code>${esc(r.name)}</code> <span class="muted">${esc(shortPath(r.file))}</span></td></tr>`;
  const head = `<tr><th>flat</th><th>flat%</th><th>cum</th><th>cum%</th><th class="l">function</th></tr>`;
  return `<div class="grid"><div><h3>by flat (self)</h3><table>${head}${rows.map(tr).join("")}</table></div><div><h3>by cum (inclusive)</h3><table>${head}${cum.map(tr).join("")}</table></div></div>`;
}

/** cpu.pprof beside perf.pprof, by JS function with native code folded into its caller: the doctor's cross-check (cross-check.ts). */
function perfCompareHtml(b: Loaded): string {
  const jsc = b.profiles.cpu, perf = b.profiles.perf;
  if (!perf) return `<p class="muted">no perf.pprof${b.meta?.files[BUNDLE.perf]?.error ? `: ${esc(b.meta.files[BUNDLE.perf]!.error)}` : ""}</p>`;
  if (!jsc) return `<p class="muted">no cpu.pprof to compare with</p>`;
  const c = crossCheck(jsc, perf);
  const pc = (x: number) => `${(x * 100).toFixed(1)}%`;
  const rows = c.compared.map((r) => `<tr><td class="l"><code>${esc(r.name)}</code></td><td>${pc(r.perf)}</td><td>${pc(r.cpu)}</td></tr>`);
  return `<table><tr><th class="l">JS function (native code it ran folded in)</th><th>perf.pprof</th><th>cpu.pprof</th></tr>${rows.join("")}</table>
<p>${c.warning ? `<b>${esc(c.warning)}</b>` : "The two profiles agree on the widest frames."}</p>
<p class="muted">Shares of each profile's on-CPU total. perf.pprof is the kernel's on-CPU samples of the JS thread (native code is one frame: the npm Bun binary has no symbols; functions the JIT inlined are charged to their caller). cpu.pprof is JSC's sampler weighted with the JS thread's on-CPU time; it still charges native work done after an <code>await</code> returned to the event loop to the last JS call into native code (docs/profiling.md, "What the CPU profile counts"), so where the two differ, perf.pprof is the truth. ${esc(b.meta?.files[BUNDLE.perf]?.source ?? "")}</p>`;
}

const n2 = (x: number | null | undefined, d = 2) => (x === null || x === undefined || !Number.isFinite(x) ? "—" : Number(x).toFixed(d));
const pctS = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? "—" : `${(x * 100).toFixed(1)}%`);

function gcHtml(gc: GcSummary | null): string {
  if (!gc) return `<p class="muted">no gc.json</p>`;
  return `<table>
<tr><td class="l">source</td><td class="l">${esc(gc.source)}</td></tr>
<tr><td class="l">cycles in the window</td><td>${gc.cycles} ${esc(JSON.stringify(gc.byKind))}</td></tr>
<tr><td class="l">GC wall time / window</td><td>${pctS(gcWallFractionOf(gc))}</td></tr>
<tr><td class="l">pause fraction (mutator stopped)</td><td>${pctS(gc.pauseFraction)}</td></tr>
<tr><td class="l">total pause / longest pause</td><td>${n2(gc.pauseMs)} ms / ${n2(gc.maxPauseMs)} ms</td></tr>
<tr><td class="l">bytes allocated / per request</td><td>${gc.bytesAllocated === null ? "—" : fmtValue(gc.bytesAllocated, "bytes")} / ${gc.bytesPerRequest === null ? "—" : fmtValue(gc.bytesPerRequest, "bytes")}</td></tr>
<tr><td class="l">allocation rate</td><td>${gc.allocRate === null ? "—" : fmtValue(gc.allocRate, "bytes") + "/s"}</td></tr>
<tr><td class="l">heap after the last cycle</td><td>${gc.heapAfterBytes === null ? "—" : fmtValue(gc.heapAfterBytes, "bytes")}</td></tr>
</table><p class="muted">${gc.notes.map(esc).join("<br>")}</p>`;
}

function loopHtml(b: Loaded): string {
  const m = b.metrics;
  const get = (n: string) => series(m, n);
  const ms = (s: number | undefined) => (s === undefined ? "—" : `${(s * 1000).toFixed(2)} ms`);
  const block = b.profiles.block;
  const bi = block ? block.defaultIndex : 0;
  const stalls = block ? total(block, block.sampleTypes.findIndex((t) => t.unit === "count")) : null;
  const blockTop = block ? topRows(block, bi, "flat").slice(0, 5) : [];
  return `<table>
<tr><td class="l">event-loop timer intervals p50 / p90 / p99 / max (the 10 ms resolution plus lag, as Node reports them; since the last scrape)</td><td>${ms(get("nodejs_eventloop_lag_p50_seconds"))} / ${ms(get("nodejs_eventloop_lag_p90_seconds"))} / ${ms(get("nodejs_eventloop_lag_p99_seconds"))} / ${ms(get("nodejs_eventloop_lag_max_seconds"))}</td></tr>
<tr><td class="l">stalls ≥ block rate (block.pprof)</td><td>${stalls ?? "—"} stalls, ${block ? fmtValue(total(block, bi), "nanoseconds") : "—"} blocked</td></tr>
</table>${blockTop.length ? `<p>longest blockers: ${blockTop.map((r) => `<code>${esc(r.name)}</code> ${(r.flatShare * 100).toFixed(0)}%`).join(", ")}</p>` : ""}${block?.comments.length ? `<pre>${esc(block.comments.join("\n"))}</pre>` : ""}`;
}

function mutexHtml(b: Loaded): string {
  const p = b.profiles.mutex;
  if (!p) return `<p class="muted">no mutex.pprof</p>`;
  const i = p.defaultIndex;
  const locks = topRows(p, i, "flat").filter((r) => r.name.startsWith("lock ")).slice(0, 5);
  return `<p>${fmtValue(total(p, i), "nanoseconds")} of lock wait over the window${locks.length ? `: ${locks.map((r) => `<code>${esc(r.name)}</code> ${fmtValue(r.flat, "nanoseconds")}`).join(", ")}` : ""}.</p>${p.comments.length ? `<pre>${esc(p.comments.join("\n"))}</pre>` : ""}`;
}

function summaryHtml(b: Loaded): string {
  const m = b.meta;
  const l = b.hist?.latency;
  const c = l?.corrected, s = l?.service;
  return `<table>
<tr><td class="l">offered / sent / answered</td><td>${m?.rate.offeredRps ?? "—"} / ${m?.rate.achievedRps ?? "—"} / ${m?.rate.throughputRps ?? "—"} req/s</td></tr>
<tr><td class="l">requests in the window</td><td>${m?.load.requests ?? c?.count ?? "—"} over ${n2((m?.duration.windowMs ?? NaN) / 1000, 1)} s</td></tr>
<tr><td class="l">corrected latency p50 / p90 / p99 / p99.9 / max</td><td>${c ? `${c.p50} / ${c.p90} / ${c.p99} / ${c.p99_9} / ${c.max} ms` : "—"}</td></tr>
<tr><td class="l">service time p50 / p99 / p99.9 (mean)</td><td>${s ? `${s.p50} / ${s.p99} / ${s.p99_9} ms (${s.mean})` : "—"}</td></tr>
<tr><td class="l">server CPU: JS thread / process</td><td>${n2(m?.serverCpu.threadCores)} / ${n2(m?.serverCpu.processCores)} cores (${esc(m?.serverCpu.source ?? "?")})</td></tr>
<tr><td class="l">GC wall time / window; alloc per request</td><td>${pctS(gcWallFractionOf(b.gc))} / ${b.gc?.bytesPerRequest == null ? "—" : fmtValue(b.gc.bytesPerRequest, "bytes")}</td></tr>
<tr><td class="l">load held</td><td class="${m?.load.held ? "good" : "bad"}">${m ? (m.load.held ? "yes" : `NO — ${esc(m.load.reasons.join("; "))}`) : "—"}</td></tr>
</table>`;
}

/** Second by second through the capture window: what the generator sent, what came back, p99, and the service's CPU. A window that was not steady shows here. */
function perSecondHtml(b: Loaded): string {
  const m = b.meta;
  const load = readJson<{ windows: { startMs: number; lengthMs: number; scheduled: number; sent: number; completed: number; errors: number; p99: number }[] }>(join(b.dir, BUNDLE.load));
  if (!m || !load) return `<p class="muted">no load.json</p>`;
  const from = m.windows.capture.fromMs - m.duration.warmupMs, to = m.windows.capture.toMs - m.duration.warmupMs;
  // Windows at least half inside the capture window (the load's stopped tail and the settle seconds are not part of it).
  const rows = load.windows.filter((w) => Math.min(w.startMs + w.lengthMs, to) - Math.max(w.startMs, from) >= w.lengthMs / 2);
  const cpu = m.serverCpu.perSecond;
  const tr = rows.map((w, i) => {
    const c = cpu[i];
    return `<tr><td>${((w.startMs - from) / 1000).toFixed(1)} s</td><td>${w.scheduled}</td><td>${w.sent}</td><td>${w.completed}</td><td class="${w.errors ? "bad" : ""}">${w.errors}</td><td>${w.p99}</td><td>${c ? c.thread : "—"}</td><td>${c ? c.runq ?? "—" : "—"}</td></tr>`;
  });
  return `<table><tr><th>from</th><th>scheduled</th><th>sent</th><th>ended</th><th>errors</th><th>p99 ms</th><th>JS thread cores</th><th>waiting for CPU</th></tr>${tr.join("")}</table>
<p class="muted">Load windows are the harness's one-second windows overlapping the capture window (their edges need not align with it); CPU is read from /proc each second of the window. Host CPUs busy over the window: ${esc(JSON.stringify(m.hostBusy ?? {}))}.</p>`;
}

/** Writes <dir>/report.html. */
export async function writeReport(dir: string): Promise<string> {
  const b = await loadBundle(dir);
  const m = b.meta;
  const title = m ? `${m.variant} ${m.mix} @ ${m.rate.offeredRps} rps — ${m.bundle}` : dir;
  const hists = b.hist ? decodeHistograms(b.hist.histograms) : null;
  const cpu = b.profiles.cpu;
  const d = b.doctor;
  const body = `<h1>${esc(title)}</h1>
<p class="muted">${esc(m?.startedAt ?? "")} · git ${esc(m?.git.commit.slice(0, 12) ?? "?")}${m?.git.dirty ? " (dirty)" : ""} · Bun ${esc(m?.bun ?? "?")} · ${esc(m?.cpu.model ?? "?")} × ${m?.cpu.cores ?? "?"} · ${esc(m?.pinning ?? "")}</p>
<p><code>${esc(m?.command ?? "")}</code></p>
${d ? `<p class="verdict"><b>${esc(d.verdict)}</b> — ${esc(d.because)}${d.notes.length ? `<br><span class="muted">${d.notes.map(esc).join("<br>")}</span>` : ""}<br><span class="muted">next: ${esc(d.next)}</span></p>` : ""}
<h2>Summary</h2>${summaryHtml(b)}
<h2>Flame graph</h2>${flameBlock(trees(b))}
<h2>Latency by percentile</h2>${hists ? percentilePlot([{ name: "corrected", hist: hists.corrected, color: "#1f77b4" }, { name: "service time", hist: hists.service, color: "#d62728" }, { name: "send lag", hist: hists.sendLag, color: "#2ca02c", dashed: true }], `${m?.rate.offeredRps ?? "?"} rps, ${b.hist!.latency.corrected?.count ?? 0} responses in the window`) : "<p>no hist.json</p>"}
<h2>Second by second</h2>${perSecondHtml(b)}
<h2>Top CPU frames</h2>${cpu ? topTableHtml(cpu, cpu.defaultIndex) : "<p>no cpu.pprof</p>"}
<h2>JSC sampler vs perf</h2>${perfCompareHtml(b)}
<h2>GC</h2>${gcHtml(b.gc)}
<h2>Event loop</h2>${loopHtml(b)}
<h2>Locks</h2>${mutexHtml(b)}
${d ? `<h2>Doctor's evidence</h2><table><tr><th class="l">measure</th><th>value</th><th class="l">rule</th><th>met</th></tr>${d.evidence.map((e) => `<tr><td class="l">${esc(e.name)}</td><td>${e.value ?? "unknown"} ${esc(e.unit)}</td><td class="l">${esc(e.rule)}</td><td>${e.met ? "✔" : ""}</td></tr>`).join("")}</table>` : ""}
<h2>Files</h2><table>${Object.entries(m?.files ?? {}).map(([f, r]) => `<tr><td class="l"><code>${esc(f)}</code></td><td>${r.ok ? r.bytes : `<span class="bad">missing</span>`}</td><td class="l muted">${esc(r.ok ? r.source : r.error ?? "")}</td></tr>`).join("")}</table>
<h2>meta.json</h2><details><summary>capture conditions</summary><pre>${esc(JSON.stringify(m, null, 2))}</pre></details>`;
  const out = join(dir, BUNDLE.report);
  writeFileSync(out, page(title, body));
  return out;
}

/**
 * writeProfileReport: the page for one profile file with no bundle around it
 * (a `bun --cpu-prof` .cpuprofile, a heap snapshot, a lone .pprof) — its flame
 * graph, its top table and its comments; no latency, GC or verdict, which
 * need the bundle's other files. Returns the page's path.
 */
export async function writeProfileReport(file: string, out: string): Promise<string> {
  const p = await readAnyProfile(file);
  const bytes = p.sampleTypes.findIndex((t) => t.unit === "bytes");
  const i = bytes >= 0 ? bytes : p.defaultIndex;
  const t = p.sampleTypes[i]!;
  const kind = bytes >= 0 ? "heap" : "cpu";
  const title = basename(file);
  const trees = total(p, i) > 0 ? { [kind]: { tree: flameTree(p, i, kind), unit: t.unit, about: `${t.type}/${t.unit} of ${title}` } } : {};
  const body = `<h1>${esc(title)}</h1>
<p class="muted"><code>${esc(file)}</code> · ${esc(t.type)} total ${esc(fmtValue(total(p, i), t.unit))} in ${p.samples.length} stacks${p.durationNanos ? ` · ${(p.durationNanos / 1e9).toFixed(2)} s` : ""}</p>
${p.comments.length ? `<pre>${esc(p.comments.join("\n"))}</pre>` : ""}
<h2>Flame graph</h2>${flameBlock(trees)}
<h2>Top frames</h2>${topTableHtml(p, i)}`;
  writeFileSync(out, page(title, body));
  return out;
}
