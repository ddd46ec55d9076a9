/**
 * The JS thread's own clock of work: nanoseconds on a CPU and nanoseconds
 * runnable but waiting for one (the run queue), from the kernel's schedstat.
 *
 * These are the figures a CPU profile must add up to. JSC's sampler counts
 * wall-clock ticks while the VM is entered, whether or not the thread holds a
 * CPU, and never ticks while Bun's native event loop runs outside the VM; the
 * kernel's accounting has neither blind spot. Bun runs JS on the main thread,
 * so the JS thread's id is the process id.
 *
 * On-CPU time comes from clock_gettime(CLOCK_THREAD_CPUTIME_ID), which brings
 * the running thread's account up to date; schedstat's first field is only
 * updated at scheduler ticks and switches (4 ms steps here), too coarse for
 * timing a sub-millisecond call. Run-queue time only changes at switches, so
 * schedstat's second field is exact for it.
 */
import { dlopen, ptr } from "bun:ffi";
import { openSync, readSync } from "node:fs";

export interface ThreadCpu {
  /** Time on a CPU (ns, since the thread started). */
  onCpuNs: number;
  /** Time runnable but waiting for a CPU (ns); 0 where the kernel does not say. */
  runQueueNs: number;
  /** Context switches the thread asked for (it slept: epoll, futex) and ones forced on it (preempted). */
  voluntarySwitches: number;
  involuntarySwitches: number;
}

const SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`;
const STATUS = `/proc/self/task/${process.pid}/status`;
const buf = Buffer.alloc(128);
const statusBuf = Buffer.alloc(4096);
let fd: number | null | undefined;
let statusFd: number | null | undefined;

function readSwitches(): { voluntarySwitches: number; involuntarySwitches: number } {
  if (statusFd === undefined) {
    try {
      statusFd = openSync(STATUS, "r");
    } catch {
      statusFd = null;
    }
  }
  if (statusFd === null) return { voluntarySwitches: 0, involuntarySwitches: 0 };
  const text = statusBuf.toString("latin1", 0, readSync(statusFd, statusBuf, 0, statusBuf.length, 0));
  return {
    voluntarySwitches: Number(/^voluntary_ctxt_switches:\s*(\d+)/m.exec(text)?.[1] ?? 0),
    involuntarySwitches: Number(/^nonvoluntary_ctxt_switches:\s*(\d+)/m.exec(text)?.[1] ?? 0),
  };
}

/** schedstat is "on-cpu-ns run-queue-ns timeslices"; a kept-open fd and pread cost well under a microsecond. */
function readSchedstat(): { onCpuNs: number; runQueueNs: number } | null {
  if (fd === undefined) {
    try {
      fd = openSync(SCHEDSTAT, "r");
    } catch {
      fd = null;
    }
  }
  if (fd === null) return null;
  const n = readSync(fd, buf, 0, buf.length, 0);
  const [on, wait] = buf.toString("latin1", 0, n).split(" ");
  return { onCpuNs: Number(on), runQueueNs: Number(wait) };
}

const CLOCK_THREAD_CPUTIME_ID = 3;
const ts = new BigInt64Array(2);

/** The calling thread's CPU clock (ns) through libc, or null where there is no libc.so.6 (then getrusage). */
const threadClock: (() => number) | null = (() => {
  if (process.platform !== "linux") return null;
  try {
    const f = dlopen("libc.so.6", { clock_gettime: { args: ["i32", "ptr"], returns: "i32" } }).symbols.clock_gettime;
    const p = ptr(ts);
    return () => (f(CLOCK_THREAD_CPUTIME_ID, p), Number(ts[0]) * 1e9 + Number(ts[1]));
  } catch {
    return null;
  }
})();

/** threadCpuNs reads only the calling thread's on-CPU clock (ns): cheap enough (~0.4 µs) to time one call. */
export function threadCpuNs(): number {
  if (threadClock) return threadClock();
  const s = readSchedstat();
  if (s) return s.onCpuNs;
  const u = process.threadCpuUsage();
  return (u.user + u.system) * 1000;
}

/** threadCpu reads the calling (JS) thread's CPU, run-queue time and switch counts (0 where the kernel does not say); ~10 µs. */
export function threadCpu(): ThreadCpu {
  const s = readSchedstat();
  const sw = readSwitches();
  return { onCpuNs: threadCpuNs(), runQueueNs: s?.runQueueNs ?? 0, voluntarySwitches: sw.voluntarySwitches, involuntarySwitches: sw.involuntarySwitches };
}

/** threadCpuSource names where threadCpu reads from (for profile comments and meta). */
export function threadCpuSource(): string {
  const on = threadClock ? "CLOCK_THREAD_CPUTIME_ID" : readSchedstat() ? "schedstat" : "getrusage(RUSAGE_THREAD)";
  return readSchedstat() ? `${on}; run-queue from schedstat` : `${on}; no run-queue figure`;
}
