/**
 * perf samples → pprof. JIT frames are named from the jitdump (tier and hash
 * dropped, so names match JSC's own sampler); the Bun binary's frames, which
 * have no symbols in the npm build, become one "(bun native)" frame per run
 * of consecutive ones, under the JS that called it; kernel frames keep their
 * symbols behind a "[kernel] " prefix. Weights are each sample's period, so
 * the cpu column is CPU time.
 */
import { basename } from "node:path";
import type { FlatProfile, Frame } from "../../../src/admin/pprof.ts";
import { encodeProfile } from "../pprof.ts";
import { jitName, type JitIndex } from "./jitdump.ts";
import type { PerfFrame, PerfSample } from "./perf-script.ts";

/** The frame names this module makes (docs/profile.md explains them). */
export const NAMES = Object.freeze({
  bunNative: "(bun native)",
  kernelPrefix: "[kernel] ",
  /** Anonymous executable memory that no jitdump record covers. */
  unknownJit: "(unknown JIT code)",
  unknown: "(unknown)",
  /** JSC names top-level code by its file; its sampler calls it this. */
  module: "(module)",
});

export interface SymbolizeOptions {
  /** The recorded thread; other threads' samples are dropped. */
  tid: number;
  /** Paths of the Bun executable (its frames without a symbol become "(bun native)"). */
  exe?: string;
}

export interface SymbolizeStats {
  samples: number;
  frames: number;
  jitFrames: number;
  /** JIT-looking frames no jitdump record covered. */
  unresolvedJit: number;
  cpuNs: number;
}

/** Names every frame and folds runs of "(bun native)"; returns FlatProfile samples (leaf first). */
export function symbolize(samples: readonly PerfSample[], jit: JitIndex, o: SymbolizeOptions): { samples: FlatProfile["samples"]; stats: SymbolizeStats } {
  const stats: SymbolizeStats = { samples: 0, frames: 0, jitFrames: 0, unresolvedJit: 0, cpuNs: 0 };
  const out: FlatProfile["samples"] = [];
  const kernelCache = new Map<string, Frame>();
  const dsoCache = new Map<string, Frame>();
  const jitCache = new Map<string, Frame>();
  const native: Frame = { name: NAMES.bunNative, file: "", line: 0 };
  const unknownJit: Frame = { name: NAMES.unknownJit, file: "", line: 0 };
  const unknown: Frame = { name: NAMES.unknown, file: "", line: 0 };
  const isExe = (dso: string) => dso === o.exe || isBunExe(dso);
  const frameOf = (f: PerfFrame, timeNs: number): Frame => {
    if (isKernel(f.dso)) {
      const name = NAMES.kernelPrefix + (f.sym || "?");
      let fr = kernelCache.get(name);
      if (!fr) kernelCache.set(name, (fr = { name, file: "", line: 0 }));
      return fr;
    }
    if (isAnon(f.dso) || f.dso === "[unknown]") {
      const r = jit.lookup(f.ip, timeNs);
      // [unknown]: perf knows no mapping there. Outside the jitdump too, it is the end of a broken
      // frame-pointer chain (through code built without frame pointers), not JIT code.
      if (!r && f.dso === "[unknown]") return unknown;
      stats.jitFrames++;
      if (!r) {
        stats.unresolvedJit++;
        return unknownJit;
      }
      let file = "", line = 0;
      if (r.lines.length) {
        // The last debug entry at or before the address gives the line.
        for (const l of r.lines) {
          if (l.addr > f.ip) break;
          file = l.file;
          line = l.line;
        }
      }
      const key = `${r.raw}\0${file}\0${line}`;
      let fr = jitCache.get(key);
      if (!fr) jitCache.set(key, (fr = jitFrame(r.raw, file, line)));
      return fr;
    }
    if (!f.sym && isExe(f.dso)) return native;
    const key = `${f.sym}\0${f.dso}`;
    let fr = dsoCache.get(key);
    if (!fr) dsoCache.set(key, (fr = f.sym ? { name: f.sym, file: f.dso, line: 0 } : { name: `(${basename(f.dso) || NAMES.unknown})`, file: f.dso, line: 0 }));
    return fr;
  };
  for (const s of samples) {
    if (s.tid !== o.tid) continue;
    const stack: Frame[] = [];
    for (const f of s.frames) {
      const fr = frameOf(f, s.timeNs);
      stats.frames++;
      // Consecutive native frames are one: the binary has no symbols to tell them apart.
      if (fr === native && stack[stack.length - 1] === native) continue;
      stack.push(fr);
    }
    if (!stack.length) stack.push({ name: NAMES.unknown, file: "", line: 0 });
    stats.samples++;
    stats.cpuNs += s.period;
    out.push({ stack, values: [1, s.period], labels: {} });
  }
  return { samples: out, stats };
}

/** A JIT record's frame: JS functions by their name (top-level code as "(module)" in its file), JSC's machinery as "(jsc Tier: what)". */
export function jitFrame(raw: string, file = "", line = 0): Frame {
  const { tier, name, js } = jitName(raw);
  if (!js) return { name: tier ? `(jsc ${tier}${name && name !== "unspecified" ? `: ${name}` : ""})` : name || NAMES.unknownJit, file, line };
  if (/^(\/|[a-z]+:\/\/)/.test(name)) return { name: NAMES.module, file: file || name.replace(/^file:\/\//, ""), line };
  return { name: name || "(anonymous)", file, line };
}

/** The Bun executable, by its file name (symbolize's `exe` option names it exactly where known). */
const isBunExe = (dso: string) => /(^|\/)bun(\.exe)?$/.test(dso);
const isKernel = (dso: string) => dso.startsWith("[kernel") || dso.startsWith("[guest.kernel");
/** Memory with no file behind it: where JIT code lives (perf names it /tmp/perf-<pid>.map when it looks for a map file). */
const isAnon = (dso: string) => /^\/tmp\/perf-\d+\.map$/.test(dso) || dso.startsWith("//anon") || dso.startsWith("[anon") || dso === "";

export interface PerfProfileInfo {
  pid: number;
  tid: number;
  event: string;
  hz: number;
  /** The perf record command line, for the comments. */
  command: string;
  windowNs: number;
  /** Wall-clock start of the window (ms since the epoch). */
  startedAtMs: number;
  jitdump: { dir: string; regions: number };
  /** /proc schedstat on-CPU ns of the thread over the window, when read. */
  schedstatNs?: number | null;
}

/** Builds the gzipped pprof: samples/count and cpu/nanoseconds (the default), with comments on how it was made. */
export function toPprof(samples: FlatProfile["samples"], stats: SymbolizeStats, info: PerfProfileInfo): Uint8Array {
  const comments = [
    `perf_events on-CPU profile: perf record -e ${info.event} -F ${info.hz} --call-graph fp, thread ${info.tid} of pid ${info.pid}`,
    `command: ${info.command}`,
    `each sample weighs its period (ns of CPU): total ${(stats.cpuNs / 1e6).toFixed(1)} ms in ${stats.samples} samples over ${(info.windowNs / 1e6).toFixed(1)} ms${info.schedstatNs != null ? `; /proc schedstat on-CPU over the window ${(info.schedstatNs / 1e6).toFixed(1)} ms` : ""}`,
    `JIT frames named from the JSC jitdump in ${info.jitdump.dir} (${info.jitdump.regions} code records; ${stats.unresolvedJit} of ${stats.jitFrames} JIT frames unresolved)`,
    `${NAMES.bunNative} = code in the Bun binary (no symbols in the npm build), consecutive frames folded into one; ${NAMES.kernelPrefix.trim()} = kernel symbols`,
  ];
  return encodeProfile({
    sampleTypes: [
      { type: "samples", unit: "count" },
      { type: "cpu", unit: "nanoseconds" },
    ],
    defaultIndex: 1,
    period: Math.round(1e9 / info.hz),
    periodType: { type: "cpu", unit: "nanoseconds" },
    durationNanos: Math.round(info.windowNs),
    timeNanos: Math.round(info.startedAtMs * 1e6),
    comments,
    samples,
  });
}

/** What ran in a frame of a perf.pprof this module wrote: JS (JIT code of a JS function), JSC's own JIT machinery, the Bun binary, another library, the kernel. */
export type FrameKind = "js" | "jsc" | "bun" | "lib" | "kernel" | "unknown";

export function frameKind(f: Frame): FrameKind {
  if (f.name.startsWith(NAMES.kernelPrefix)) return "kernel";
  if (f.name === NAMES.bunNative) return "bun";
  if (f.name === NAMES.unknown || f.name === NAMES.unknownJit) return "unknown";
  if (f.name.startsWith("(jsc ")) return "jsc";
  // Library frames carry their DSO as the file (jitFrame gives JS frames a source file or none).
  if (isBunExe(f.file)) return "bun";
  if (/\.so(\.|$)/.test(f.file)) return "lib";
  return "js";
}
