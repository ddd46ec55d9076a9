/**
 * CPU used by the generator. The schedule is kept by the one JS thread, so
 * that thread's CPU (Linux: /proc/thread-self/stat) is what saturates first;
 * the whole process (which also counts Bun's I/O and GC threads) is reported
 * next to it. Both in cores: 1.0 is one full core.
 */
import { readFileSync } from "node:fs";

/** Cumulative CPU time of the calling thread in ms, or NaN where /proc is unavailable. */
export function threadCpuMs(): number {
  try {
    const stat = readFileSync("/proc/thread-self/stat", "latin1");
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(rest[11]) + Number(rest[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

// USER_HZ is 100 on every Linux this runs on (it is fixed by the kernel ABI, not the config).
const CLOCK_TICKS = 100;

/** Cumulative CPU time of the whole process in ms. */
export function processCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Measures CPU over successive intervals: each `lap(now)` returns the cores used since the previous one. */
export class CpuMeter {
  private thread = threadCpuMs();
  private proc = processCpuMs();
  constructor(private last: number) {}

  /** Cores used by the JS thread and by the process since the previous lap (or construction). */
  lap(now: number): { thread: number; process: number } {
    const thread = threadCpuMs();
    const proc = processCpuMs();
    const wall = now - this.last;
    const out = wall > 0 ? { thread: (thread - this.thread) / wall, process: (proc - this.proc) / wall } : { thread: NaN, process: NaN };
    this.thread = thread;
    this.proc = proc;
    this.last = now;
    return out;
  }
}
