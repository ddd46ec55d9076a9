/**
 * The Chrome .cpuprofile JSON (DevTools, speedscope, `bun --cpu-prof`) and its
 * one builder: the admin endpoint writes it from a capture, the profile kit
 * from a pprof (scripts/profile/cpuprofile.ts). One node per distinct call
 * path of functions; the lines a leaf was executing go in positionTicks. The
 * format has no function start line, so callFrame.lineNumber is the first
 * line seen in that function (0-based, as the format wants).
 */
import type { Frame } from "./pprof.ts";

export interface CallFrame {
  functionName: string;
  scriptId: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

export interface CpuProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount: number;
  children?: number[];
  positionTicks?: { line: number; ticks: number }[];
}

/** A .cpuprofile as JSON.parse returns it. timeDeltas[i] is µs from the previous sample (from startTime for the first) to sample i. */
export interface CpuProfileJson {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

type OutNode = CpuProfileNode & { children: number[] };

/** Builds the node tree: `hit` each sample's stack (leaf first), then `profile` with the samples' node ids and times. */
export class CpuProfileBuilder {
  private readonly firstLine = new Map<string, number>();
  private readonly root: OutNode;
  private readonly nodes: OutNode[];
  private readonly child = new Map<string, OutNode>();
  private readonly ticks = new Map<OutNode, Map<number, number>>();

  /** `stacks`: every stack that will be hit, for the functions' first lines. */
  constructor(stacks: Iterable<readonly Frame[]>) {
    for (const stack of stacks) {
      for (const f of stack) {
        const k = `${f.name}\u0000${f.file}`;
        if (f.line > 0 && (this.firstLine.get(k) ?? Infinity) > f.line) this.firstLine.set(k, f.line);
      }
    }
    this.root = { id: 1, callFrame: callFrame({ name: "(root)", file: "", line: 0 }, 0), hitCount: 0, children: [] };
    this.nodes = [this.root];
  }

  /** hit counts `n` samples on `stack` and returns its node's id. */
  hit(stack: readonly Frame[], n: number): number {
    let node = this.root;
    for (let i = stack.length - 1; i >= 0; i--) {
      const f = stack[i]!;
      const key = `${node.id}\u0000${f.name}\u0000${f.file}`;
      let c = this.child.get(key);
      if (!c) {
        c = { id: this.nodes.length + 1, callFrame: callFrame(f, this.firstLine.get(`${f.name}\u0000${f.file}`) ?? 0), hitCount: 0, children: [] };
        this.nodes.push(c);
        node.children.push(c.id);
        this.child.set(key, c);
      }
      node = c;
    }
    node.hitCount += n;
    const line = stack[0]?.line ?? 0;
    if (line > 0) {
      let m = this.ticks.get(node);
      if (!m) this.ticks.set(node, (m = new Map()));
      m.set(line, (m.get(line) ?? 0) + n);
    }
    return node.id;
  }

  /** profile returns the JSON: the nodes so far, with their positionTicks, and the given timeline. */
  profile(t: Omit<CpuProfileJson, "nodes">): CpuProfileJson {
    for (const [node, m] of this.ticks) node.positionTicks = [...m].map(([line, ticks]) => ({ line, ticks }));
    return { nodes: this.nodes, startTime: t.startTime, endTime: t.endTime, samples: t.samples, timeDeltas: t.timeDeltas };
  }
}

function callFrame(f: Frame, firstLine: number): CallFrame {
  return { functionName: f.name, scriptId: "0", url: f.file ? `file://${f.file}` : "", lineNumber: firstLine > 0 ? firstLine - 1 : -1, columnNumber: -1 };
}
