/**
 * `table`: one markdown row per bundle — the regime note's table (FINDINGS.md
 * §14 and its end-of-ladder retake). Every cell is read from the bundle:
 * JS-thread on-CPU per request (meta.json serverCpu), corrected p50/p99
 * (hist.json), the allocation per request (gc.json), the doctor's regime, the widest flat frames of the corrected
 * CPU profile, the widest JS functions of perf.pprof (native code folded into
 * its JS caller, as the doctor's cross-check folds it), the lock wait and the
 * loop stalls of the window.
 */
import type { FlatProfile } from "../../src/admin/pprof.ts";
import { jsShares, NO_JS, perfNative } from "./cross-check.ts";
import { cpuInputs, REGIME_NAMES } from "./doctor.ts";
import { total } from "./pprof.ts";
import type { Loaded } from "./report.ts";
import { topRows } from "./top.ts";

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const ms = (x: number) => `${x < 10 ? x.toFixed(2) : x.toFixed(1)} ms`;

function cpuFrames(p: FlatProfile | undefined, n: number): string {
  if (!p) return "no cpu.pprof";
  return topRows(p, p.defaultIndex, "flat").slice(0, n).map((r) => `${r.name.startsWith("(bun native: outside JS") ? "outside JS" : `\`${r.name}\``} ${pct(r.flatShare)}`).join(", ");
}

function perfFrames(p: FlatProfile | undefined, n: number): string {
  if (!p) return "no perf.pprof";
  const shares = [...jsShares(p, perfNative)].filter(([name]) => name !== NO_JS).sort((a, b) => b[1] - a[1]);
  return shares.slice(0, n).map(([name, s]) => `\`${name}\` ${pct(s)}`).join(", ");
}

/** A profile's total in ms (its default sample type is a delay in ns). */
const totalMs = (p: FlatProfile | undefined) => (p ? total(p, p.defaultIndex) / 1e6 : null);

export function tableHeader(): string {
  return [
    "| variant | offered / answered | JS CPU per request | p50 / p99 (corrected) | allocated per request | doctor | widest frames, corrected CPU profile (flat) | widest JS functions, perf (native folded in) | lock wait (mutex) / loop stalls (block), window |",
    "|---|---|---|---|---|---|---|---|---|",
  ].join("\n");
}

export function tableRow(b: Loaded, n: number): string {
  const m = b.meta;
  const c = b.hist?.latency.corrected;
  const answered = m ? m.rate.throughputRps * (m.duration.windowMs / 1000) : 0;
  const cpu = cpuInputs(m, b.profiles.cpu ?? null);
  const perReq = cpu.jsOnCpuMs != null && answered > 0 ? ms(cpu.jsOnCpuMs / answered) : "?";
  const held = m?.load.held === false ? " (not held)" : "";
  const alloc = b.gc?.bytesPerRequest == null ? "?" : `${Math.round(b.gc.bytesPerRequest / 1024)} kB`;
  const mutex = totalMs(b.profiles.mutex), block = totalMs(b.profiles.block);
  return `| ${m?.variant ?? b.dir} | ${m ? `${m.rate.offeredRps} / ${m.rate.throughputRps}/s${held}` : "?"} | ${perReq} | ${c ? `${c.p50.toFixed(1)} / ${c.p99.toFixed(1)} ms` : "?"} | ${alloc} | ${b.doctor ? REGIME_NAMES[b.doctor.regime].replace(" at this rate", "") : "?"} | ${cpuFrames(b.profiles.cpu, n)} | ${perfFrames(b.profiles.perf, n)} | ${mutex == null ? "?" : ms(mutex)} / ${block == null ? "?" : ms(block)} |`;
}
