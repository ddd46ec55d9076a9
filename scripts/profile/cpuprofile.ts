/**
 * cpu.cpuprofile: the samples of cpu.pprof as Chrome DevTools / speedscope
 * JSON. One capture feeds both files (the admin endpoint allows one CPU
 * capture at a time), so the .cpuprofile is rebuilt from the pprof: one node
 * per call path of functions, the leaf's lines in positionTicks. pprof keeps
 * no per-sample timestamps, so sample order here is by stack, spaced one
 * sampling period apart: the aggregate views (left-heavy, sandwich, bottom-up)
 * are exact, the time-order view is not a timeline (trace.json is).
 */
import type { FlatProfile, Frame } from "./pprof.ts";

interface Node {
  id: number;
  callFrame: { functionName: string; scriptId: string; url: string; lineNumber: number; columnNumber: number };
  hitCount: number;
  children: number[];
  positionTicks?: { line: number; ticks: number }[];
}

/** Converts a flat CPU profile (value index `countIndex` = sample counts) to .cpuprofile JSON. */
export function toCpuProfile(p: FlatProfile, countIndex = 0): object {
  const periodUs = p.period > 0 && p.periodType?.unit === "nanoseconds" ? p.period / 1000 : 10_000;
  const firstLine = new Map<string, number>();
  for (const s of p.samples) for (const f of s.stack) {
    const k = `${f.name}\0${f.file}`;
    if (f.line > 0 && (firstLine.get(k) ?? Infinity) > f.line) firstLine.set(k, f.line);
  }
  const frame = (f: Frame) => {
    const line = firstLine.get(`${f.name}\0${f.file}`) ?? 0;
    return { functionName: f.name, scriptId: "0", url: f.file ? `file://${f.file}` : "", lineNumber: line > 0 ? line - 1 : -1, columnNumber: -1 };
  };
  const root: Node = { id: 1, callFrame: { functionName: "(root)", scriptId: "0", url: "", lineNumber: -1, columnNumber: -1 }, hitCount: 0, children: [] };
  const nodes = [root];
  const child = new Map<string, Node>();
  const ticks = new Map<Node, Map<number, number>>();
  const samples: number[] = [];
  for (const s of p.samples) {
    const n = Math.round(s.values[countIndex] ?? 0);
    if (n <= 0) continue;
    let node = root;
    for (let i = s.stack.length - 1; i >= 0; i--) {
      const f = s.stack[i]!;
      const key = `${node.id}\0${f.name}\0${f.file}`;
      let c = child.get(key);
      if (!c) {
        c = { id: nodes.length + 1, callFrame: frame(f), hitCount: 0, children: [] };
        nodes.push(c);
        node.children.push(c.id);
        child.set(key, c);
      }
      node = c;
    }
    node.hitCount += n;
    const line = s.stack[0]?.line ?? 0;
    if (line > 0) {
      let m = ticks.get(node);
      if (!m) ticks.set(node, (m = new Map()));
      m.set(line, (m.get(line) ?? 0) + n);
    }
    for (let k = 0; k < n; k++) samples.push(node.id);
  }
  for (const [node, m] of ticks) node.positionTicks = [...m].map(([line, t]) => ({ line, ticks: t }));
  const startTime = Math.round(p.timeNanos / 1000);
  const timeDeltas = samples.map(() => Math.round(periodUs));
  const endTime = startTime + Math.max(Math.round(p.durationNanos / 1000), samples.length * Math.round(periodUs));
  return { nodes, startTime, endTime, samples, timeDeltas };
}
