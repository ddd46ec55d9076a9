/**
 * CPU time of another process and of each of its threads, from /proc. The
 * JS thread (tid = pid in Bun) is what saturates first in a Bun server; the
 * rest of the process (JSC's GC threads, JIT, I/O) is reported beside it.
 *
 * Two clocks, never added: schedstat's field 1 is time on a CPU, field 2 is
 * time runnable but waiting in a run queue (another thread or process had
 * the core). Waiting for a core is not using one, so every CPU figure here
 * is field 1 and the wait is its own figure. Linux only: elsewhere every
 * reading is NaN and the callers say "unknown".
 */
import { readdirSync, readFileSync } from "node:fs";

// USER_HZ is fixed at 100 by the Linux ABI.
const TICK_MS = 10;

/**
 * JSC's collector threads as Linux names them (WTF keeps a name's last 15
 * bytes: "JSC Heap Collector Thread" → "ollector Thread"; the parallel
 * markers are "HeapHelper"). Checked on Bun 1.4.5.
 */
export const GC_THREAD = /^(HeapHelper|ollector Thread|.*Heap Collector.*)$/;

function statCpuMs(path: string): number {
  try {
    const s = readFileSync(path, "latin1");
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) * TICK_MS;
  } catch {
    return NaN;
  }
}

/** /proc/<pid>/task/<tid>/schedstat: ms on a CPU, ms waiting on a run queue (ready but not running). */
function schedstat(path: string): { runMs: number; waitMs: number } {
  try {
    const [run, wait] = readFileSync(path, "latin1").trim().split(/\s+/).map(Number);
    return { runMs: run! / 1e6, waitMs: wait! / 1e6 };
  } catch {
    return { runMs: NaN, waitMs: NaN };
  }
}

/** One thread's on-CPU ns (schedstat field 1), or null where it cannot be read. */
export function schedstatNs(pid: number, tid: number): number | null {
  const ms = schedstat(`/proc/${pid}/task/${tid}/schedstat`).runMs;
  return Number.isFinite(ms) ? Math.round(ms * 1e6) : null;
}

/** One thread's cumulative clocks. */
export interface ThreadReading {
  /** comm: the thread's name, cut to 15 bytes by the kernel. */
  name: string;
  onCpuMs: number;
  runQueueMs: number;
}

export interface CpuReading {
  /** Reader's clock, ms. */
  t: number;
  /** utime + stime of the whole process (all threads, dead ones included), ms in 10 ms ticks. */
  processMs: number;
  /** The main (JS) thread's time on a CPU, ms (schedstat field 1; stat ticks without schedstat). */
  threadMs: number;
  /** The main thread's time ready to run but waiting for a CPU, ms (schedstat field 2). */
  threadRunqMs: number;
  /** Every live thread by tid (empty when /proc cannot list them). */
  threads: Record<string, ThreadReading>;
}

function readThreads(pid: number): Record<string, ThreadReading> {
  const out: Record<string, ThreadReading> = {};
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    const ss = schedstat(`/proc/${pid}/task/${tid}/schedstat`);
    if (!Number.isFinite(ss.runMs)) continue; // exited between the listing and the read
    let name = "?";
    try {
      name = readFileSync(`/proc/${pid}/task/${tid}/comm`, "latin1").trim();
    } catch {}
    out[tid] = { name, onCpuMs: ss.runMs, runQueueMs: ss.waitMs };
  }
  return out;
}

/** Reads the cumulative CPU of pid, of its main thread and of every live thread. */
export function readCpu(pid: number): CpuReading {
  const t = performance.now();
  const threads = readThreads(pid);
  const main = threads[String(pid)];
  const threadMs = main ? main.onCpuMs : statCpuMs(`/proc/${pid}/task/${pid}/stat`);
  return { t, processMs: statCpuMs(`/proc/${pid}/stat`), threadMs, threadRunqMs: main ? main.runQueueMs : NaN, threads };
}

/** Cores used between two readings (1 = one full core), and the JS thread's run-queue wait as a share of the wall time. */
export function coresBetween(a: CpuReading, b: CpuReading): { process: number; thread: number; runq: number } {
  const wall = b.t - a.t;
  if (!(wall > 0)) return { process: NaN, thread: NaN, runq: NaN };
  return { process: (b.processMs - a.processMs) / wall, thread: (b.threadMs - a.threadMs) / wall, runq: (b.threadRunqMs - a.threadRunqMs) / wall };
}

/**
 * The server's CPU over a capture window, as meta.json `serverCpu` records
 * it. Every *OnCpu* figure is schedstat field 1; the run-queue wait is
 * field 2 and is never inside them.
 */
export interface CpuFigures {
  /** Wall time between the two readings, ms: what the other figures cover. */
  windowMs: number;
  /** The JS thread's time on a CPU, ms. */
  jsThreadOnCpuMs: number | null;
  /** The JS thread's time ready to run but waiting for its core, ms (not CPU time). */
  jsThreadRunQueueWaitMs: number | null;
  /** The whole process's CPU (utime + stime, all threads, /proc/PID/stat), ms; 10 ms resolution. */
  processCpuMs: number | null;
  /** Requests the server answered in the window. */
  requests: number;
  /** jsThreadOnCpuMs / requests, µs. */
  jsThreadOnCpuPerRequestUs: number | null;
  /** Σ on-CPU of the threads alive at the window's end, ms (schedstat; threads that exited inside it are missing). */
  threadsOnCpuMs: number | null;
  /** The part of threadsOnCpuMs on JSC's GC threads (GC_THREAD), ms. GC work done on the JS thread itself is not in it. */
  gcThreadsOnCpuMs: number | null;
  /** threadsOnCpuMs by thread name, ms. */
  onCpuMsByThread: Record<string, number>;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;
const known = (x: number) => (Number.isFinite(x) ? r3(x) : null);

/** cpuFigures derives the window's figures from two readings of the same process. */
export function cpuFigures(a: CpuReading, b: CpuReading, requests: number): CpuFigures {
  const onCpu = known(b.threadMs - a.threadMs);
  const byName: Record<string, number> = {};
  let all = 0, gc = 0;
  const tids = Object.keys(b.threads);
  for (const tid of tids) {
    const now = b.threads[tid]!;
    // A thread born inside the window has all of its time inside it (so has one that reused an exited thread's tid).
    const before = a.threads[tid]?.onCpuMs ?? 0;
    const d = now.onCpuMs >= before ? now.onCpuMs - before : now.onCpuMs;
    byName[now.name] = r3((byName[now.name] ?? 0) + d);
    all += d;
    if (GC_THREAD.test(now.name)) gc += d;
  }
  return {
    windowMs: r3(b.t - a.t),
    jsThreadOnCpuMs: onCpu,
    jsThreadRunQueueWaitMs: known(b.threadRunqMs - a.threadRunqMs),
    processCpuMs: known(b.processMs - a.processMs),
    requests,
    jsThreadOnCpuPerRequestUs: onCpu !== null && requests > 0 ? r3((onCpu * 1000) / requests) : null,
    threadsOnCpuMs: tids.length ? r3(all) : null,
    gcThreadsOnCpuMs: tids.length ? r3(gc) : null,
    onCpuMsByThread: byName,
  };
}
