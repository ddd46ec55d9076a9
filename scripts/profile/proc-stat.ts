/**
 * CPU time of another process and of its main (JS) thread, from /proc. The
 * JS thread is what saturates first in a Bun server; the rest of the process
 * (GC helper threads, JIT, I/O) is reported beside it. Linux only: elsewhere
 * every reading is NaN and the callers say "unknown".
 */
import { readFileSync } from "node:fs";

// USER_HZ is fixed at 100 by the Linux ABI.
const TICK_MS = 10;

function statCpuMs(path: string): number {
  try {
    const s = readFileSync(path, "latin1");
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) * TICK_MS;
  } catch {
    return NaN;
  }
}

/** /proc/<pid>/task/<tid>/schedstat: ns on a CPU, ns waiting on a run queue (ready but not running). */
function schedstat(path: string): { runMs: number; waitMs: number } {
  try {
    const [run, wait] = readFileSync(path, "latin1").trim().split(/\s+/).map(Number);
    return { runMs: run! / 1e6, waitMs: wait! / 1e6 };
  } catch {
    return { runMs: NaN, waitMs: NaN };
  }
}

export interface CpuReading {
  /** Reader's clock, ms. */
  t: number;
  processMs: number;
  threadMs: number;
  /** The main thread's time ready to run but waiting for a CPU (another process had it). */
  threadRunqMs: number;
}

/** Reads the cumulative CPU of pid and its main thread. */
export function readCpu(pid: number): CpuReading {
  const ss = schedstat(`/proc/${pid}/task/${pid}/schedstat`);
  const thread = Number.isFinite(ss.runMs) ? ss.runMs : statCpuMs(`/proc/${pid}/task/${pid}/stat`);
  return { t: performance.now(), processMs: statCpuMs(`/proc/${pid}/stat`), threadMs: thread, threadRunqMs: ss.waitMs };
}

/** Cores used between two readings (1 = one full core), and the JS thread's run-queue wait as a share of the wall time. */
export function coresBetween(a: CpuReading, b: CpuReading): { process: number; thread: number; runq: number } {
  const wall = b.t - a.t;
  if (!(wall > 0)) return { process: NaN, thread: NaN, runq: NaN };
  return { process: (b.processMs - a.processMs) / wall, thread: (b.threadMs - a.threadMs) / wall, runq: (b.threadRunqMs - a.threadRunqMs) / wall };
}
