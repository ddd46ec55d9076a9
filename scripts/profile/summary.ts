/** The short summary a capture prints: rate, latency, GC, top CPU frames, the verdict. */
import { BUNDLE } from "./bundle.ts";
import { gcWallFractionOf } from "./gc-log.ts";
import { loadBundle } from "./report.ts";
import { topRows } from "./top.ts";
import { join } from "node:path";

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export async function summaryText(dir: string, n = 5): Promise<string> {
  const b = await loadBundle(dir);
  const m = b.meta;
  const c = b.hist?.latency.corrected;
  const lines: string[] = [];
  if (m) {
    lines.push(`${m.variant} ${m.mix}: offered ${m.rate.offeredRps}/s, sent ${m.rate.achievedRps}/s, answered ${m.rate.throughputRps}/s over ${(m.duration.windowMs / 1000).toFixed(1)}s${m.load.held ? "" : "  — LOAD NOT HELD"}`);
    if (!m.load.held) for (const r of m.load.reasons) lines.push(`  ! ${r}`);
  }
  if (c) lines.push(`latency (corrected): p50 ${c.p50} ms  p99 ${c.p99} ms  p99.9 ${c.p99_9} ms  max ${c.max} ms`);
  if (b.gc) {
    const wall = gcWallFractionOf(b.gc);
    const pause = b.gc.pauseFraction;
    lines.push(`GC (wall time): a cycle in progress ${wall === null ? "?" : pct(wall)} of the window, JS thread stopped ${pause === null ? "?" : pct(pause)}, ${b.gc.cycles} cycles${b.gc.bytesPerRequest !== null ? `, ${Math.round(b.gc.bytesPerRequest / 1024)} kB allocated per request` : ""}`);
  }
  const sc = m?.serverCpu;
  if (sc?.jsThreadOnCpuMs != null && sc.windowMs) {
    const cores = (ms: number | null | undefined) => (ms == null ? "?" : (ms / sc.windowMs!).toFixed(3));
    lines.push(
      `server CPU (on-CPU time): JS thread ${cores(sc.jsThreadOnCpuMs)} cores, ${sc.jsThreadOnCpuPerRequestUs ?? "?"} µs per request; waiting to run ${sc.jsThreadRunQueueWaitMs == null ? "?" : Math.round(sc.jsThreadRunQueueWaitMs)} ms (not CPU); process ${cores(sc.processCpuMs)} cores (all threads), GC threads ${cores(sc.gcThreadsOnCpuMs)} cores`,
    );
  } else if (sc?.threadCores != null) lines.push(`server CPU (on-CPU time): JS thread ${sc.threadCores} cores, process ${sc.processCores} cores`);
  const cpu = b.profiles.cpu;
  if (cpu) {
    const i = cpu.defaultIndex;
    const flat = topRows(cpu, i, "flat").slice(0, n);
    const cum = topRows(cpu, i, "cum").filter((r) => !/^\(|^$/.test(r.name)).slice(0, n);
    lines.push(`top ${n} CPU frames by flat:`, ...flat.map((r) => `  ${pct(r.flatShare).padStart(6)}  ${r.name}`));
    lines.push(`top ${n} CPU frames by cum:`, ...cum.map((r) => `  ${pct(r.cumShare).padStart(6)}  ${r.name}`));
  } else lines.push("no CPU profile (see meta.json files)");
  if (b.doctor) lines.push(`doctor: ${b.doctor.verdict} — ${b.doctor.because}`);
  const missing = Object.entries(m?.files ?? {}).filter(([, r]) => !r.ok).map(([f]) => f);
  if (missing.length) lines.push(`missing: ${missing.join(", ")} (why: ${join(dir, BUNDLE.meta)} files)`);
  lines.push(`report: ${join(dir, BUNDLE.report)}`);
  return lines.join("\n");
}
