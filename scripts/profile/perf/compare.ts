/**
 * JSC's sampler beside perf: flat share by function name (perf's JIT frames
 * carry no file), and perf's samples once more charged to their nearest JS
 * frame — what JSC's sampler does with native and kernel time — so the gap
 * between the last two columns is the native/kernel time JSC misattributes.
 */
import { type FlatProfile, type Frame, total } from "../pprof.ts";
import { NAMES } from "./symbolize.ts";

export interface CompareRow {
  name: string;
  /** Flat share in JSC's profile (null: no JSC profile). */
  jsc: number | null;
  /** Flat share in perf's. */
  perf: number | null;
  /** perf's share charged to the nearest JS frame up the stack. */
  perfByJs: number | null;
}

/** Frames perf sees that JSC's sampler has no frame for: native code, the kernel, JSC's stubs. */
export function isNativeFrame(f: Frame): boolean {
  return (
    f.name === NAMES.bunNative ||
    f.name === NAMES.unknownJit ||
    f.name === NAMES.unknown ||
    f.name.startsWith(NAMES.kernelPrefix) ||
    f.name.startsWith("(jsc ") ||
    /\.so(\.\d+)*$|(^|\/)bun(\.exe)?$|^\[/.test(f.file)
  );
}

function flatShares(p: FlatProfile, index: number, leafOf: (stack: Frame[]) => Frame | undefined): Map<string, number> {
  const m = new Map<string, number>();
  const t = total(p, index) || 1;
  for (const s of p.samples) {
    const f = leafOf(s.stack);
    const name = f ? f.name : "(no JS frame)";
    m.set(name, (m.get(name) ?? 0) + (s.values[index] ?? 0) / t);
  }
  return m;
}

/** The top `n` functions of either profile, sorted by their largest share. */
export function compareTop(jsc: FlatProfile | undefined, perf: FlatProfile | undefined, n = 20): CompareRow[] {
  const a = jsc ? flatShares(jsc, jsc.defaultIndex, (s) => s[0]) : null;
  const b = perf ? flatShares(perf, perf.defaultIndex, (s) => s[0]) : null;
  const c = perf ? flatShares(perf, perf.defaultIndex, (s) => s.find((f) => !isNativeFrame(f))) : null;
  const top = (m: Map<string, number> | null) => (m ? [...m].sort((x, y) => y[1] - x[1]).slice(0, n).map(([k]) => k) : []);
  const names = new Set([...top(a), ...top(b), ...top(c)]);
  const rows = [...names].map((name) => ({ name, jsc: a ? (a.get(name) ?? 0) : null, perf: b ? (b.get(name) ?? 0) : null, perfByJs: c ? (c.get(name) ?? 0) : null }));
  const key = (r: CompareRow) => Math.max(r.jsc ?? 0, r.perf ?? 0, r.perfByJs ?? 0);
  return rows.sort((x, y) => key(y) - key(x)).slice(0, n);
}
