/**
 * Do the two CPU profiles agree? cpu.pprof is JSC's sampler, weighted with
 * the JS thread's on-CPU time, which cannot see inside native code and
 * guesses how much ran with no JS on the stack; perf.pprof is perf_events'
 * on-CPU samples of the same thread with JIT frames named from JSC's
 * jitdump: the ground truth for where CPU went. When their widest frames
 * disagree, the doctor says so and names the frames with both shares.
 *
 * The profiles name native code differently — JSC by host function
 * ("parse", "stat"), perf as "(bun native)", "[kernel] …", libc symbols — and
 * perf cannot see functions the JIT inlined, so each sample is charged to its
 * innermost JS function that both profiles know, with the native code (and
 * inlined callees) it ran folded in, and a stack with no JS frame to NO_JS. Shares are of
 * each profile's cpu total, by function name (perf's JIT frames carry no
 * file).
 */
import type { FlatProfile, Frame } from "../../src/admin/pprof.ts";
import { sampleIndex } from "./pprof.ts";

export const CROSS_CHECK = Object.freeze({
  /** How many of each profile's widest frames are compared. */
  top: 5,
  /** A frame this wide in either profile… */
  minShare: 0.1,
  /** …disagrees when the other gives it less than this multiple of that share. */
  ratio: 0.5,
  /** The widest frames differ when perf gives its own widest at least this much more than cpu.pprof's widest. */
  widestMargin: 0.05,
});

/** The bucket for samples with no JS frame: Bun's HTTP server, event loop, I/O completions. */
export const NO_JS = "(bun native: no JS on the stack)";

/** perf's kernel frames (perf/symbolize.ts prefixes them "[kernel] "). */
const KERNEL_FRAME = /^\[kernel[\].]/;
/** A frame backed by a script file (JSC's own frames name their source; perf's shared-library frames name the .so). */
const SCRIPT_FILE = /\.(m?[jt]sx?|cjs)$|^(node|bun):/;

/** perf.pprof's frames that are not JS: the Bun binary, the kernel, JSC's own machinery, unresolved code, shared libraries. */
export function perfNative(f: Frame): boolean {
  return f.name.startsWith("(bun native") || KERNEL_FRAME.test(f.name) || f.name.startsWith("(jsc ") || f.name.startsWith("(unknown") || (f.file !== "" && !SCRIPT_FILE.test(f.file));
}

/**
 * cpu.pprof's frames to fold into their caller: the outside-JS frame; host
 * functions (no source file: JSON.parse, stat), which perf sees only as Bun's
 * native code under the JS function that called them; and JS functions perf
 * never saw, because the JIT inlined them into their caller (perf names JIT
 * code by the function it was compiled for; JSC's sampler rebuilds inlined
 * frames). So v0's rules clone — `parse` under `cloneRulesPerRequest` under
 * `begin` in JSC's stacks — is `begin` in both views, as in perf's.
 */
export function cpuNative(perfNames: ReadonlySet<string>): (f: Frame) => boolean {
  return (f) => f.name.startsWith("(bun native") || f.file === "" || !perfNames.has(f.name);
}

/** Share of the cpu total by the innermost non-native frame of each sample (NO_JS when there is none). */
export function jsShares(p: FlatProfile, isNative: (f: Frame) => boolean): Map<string, number> {
  const i = p.sampleTypes.some((t) => t.type === "cpu") ? sampleIndex(p, "cpu") : p.defaultIndex;
  const sums = new Map<string, number>();
  let all = 0;
  for (const s of p.samples) {
    const v = s.values[i] ?? 0;
    if (!v) continue;
    all += v;
    const name = s.stack.find((f) => !isNative(f))?.name ?? NO_JS;
    sums.set(name, (sums.get(name) ?? 0) + v);
  }
  const shares = new Map<string, number>();
  for (const [n, v] of sums) shares.set(n, all > 0 ? v / all : 0);
  return shares;
}

export interface FrameShares {
  name: string;
  /** Share in cpu.pprof (0–1). */
  cpu: number;
  /** Share in perf.pprof (0–1). */
  perf: number;
}

export interface CrossCheck {
  /** Each profile's widest frame, with both shares. */
  widest: { cpu: FrameShares | null; perf: FrameShares | null };
  /** The union of both profiles' top frames, widest in perf first. */
  compared: FrameShares[];
  /** Frames ≥ minShare in one profile and < ratio × that in the other. */
  disagree: FrameShares[];
  widestDiffer: boolean;
  /** The warning the doctor prints, or null when they agree. */
  warning: string | null;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** crossCheck compares the widest frames of cpu.pprof and perf.pprof (CROSS_CHECK says how). */
export function crossCheck(cpu: FlatProfile, perf: FlatProfile, o: typeof CROSS_CHECK = CROSS_CHECK): CrossCheck {
  const perfNames = new Set(perf.samples.flatMap((s) => s.stack.map((f) => f.name)));
  const c = jsShares(cpu, cpuNative(perfNames));
  const p = jsShares(perf, perfNative);
  const topOf = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, o.top).map(([n]) => n);
  const both = (name: string): FrameShares => ({ name, cpu: c.get(name) ?? 0, perf: p.get(name) ?? 0 });
  const compared = [...new Set([...topOf(c), ...topOf(p)])].map(both).sort((a, b) => b.perf - a.perf || b.cpu - a.cpu);
  const disagree = compared.filter((f) => {
    const hi = Math.max(f.cpu, f.perf);
    return hi >= o.minShare && Math.min(f.cpu, f.perf) < hi * o.ratio;
  });
  const wc = topOf(c)[0], wp = topOf(p)[0];
  const widest = { cpu: wc === undefined ? null : both(wc), perf: wp === undefined ? null : both(wp) };
  const widestDiffer = widest.cpu !== null && widest.perf !== null && widest.cpu.name !== widest.perf.name && widest.perf.perf - widest.cpu.perf >= o.widestMargin;
  let warning: string | null = null;
  if (disagree.length || widestDiffer) {
    const shown = disagree.length ? disagree : [widest.perf!, widest.cpu!];
    warning =
      "cpu.pprof and perf.pprof disagree on the widest frames; trust perf.pprof (the kernel's on-CPU samples): " +
      shown.map((f) => `${f.name} ${pct(f.perf)} in perf.pprof vs ${pct(f.cpu)} in cpu.pprof`).join("; ") +
      (widestDiffer ? ` (widest: ${widest.perf!.name} by perf.pprof, ${widest.cpu!.name} by cpu.pprof)` : "") +
      " — shares of on-CPU time by JS function, native code folded into its JS caller";
  }
  return { widest, compared, disagree, widestDiffer, warning };
}
