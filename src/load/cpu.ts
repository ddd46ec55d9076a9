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

/**
 * Measures CPU over successive intervals: each `lap(now)` returns the cores
 * used since the previous one, and the host's steal over the same interval:
 * the highest share of any CPU's time the hypervisor gave to another guest.
 * Steal stops the server's and the generator's threads while their clocks
 * run on, so it lands in latency as if it were the server's.
 */
export class CpuMeter {
  private thread = threadCpuMs();
  private proc = processCpuMs();
  private host = hostCpuTimes();
  constructor(private last: number) {}

  /** Cores used by the JS thread and by the process since the previous lap (or construction); the host's worst CPU steal share (NaN if unknown). */
  lap(now: number): { thread: number; process: number; hostSteal: number } {
    const thread = threadCpuMs();
    const proc = processCpuMs();
    const host = hostCpuTimes();
    const wall = now - this.last;
    const stolen = Object.values(hostStealBetween(this.host, host));
    const hostSteal = stolen.length ? Math.max(...stolen) : NaN;
    const out = wall > 0 ? { thread: (thread - this.thread) / wall, process: (proc - this.proc) / wall, hostSteal } : { thread: NaN, process: NaN, hostSteal: NaN };
    this.thread = thread;
    this.proc = proc;
    this.host = host;
    this.last = now;
    return out;
  }
}

/** Cumulative busy, steal and total jiffies per CPU (/proc/stat); empty where unavailable. */
export function hostCpuTimes(): { cpu: number; busy: number; steal: number; total: number }[] {
  try {
    const lines = readFileSync("/proc/stat", "latin1").split("\n");
    return lines
      .filter((l) => /^cpu\d+ /.test(l))
      .map((l) => {
        const [name, ...f] = l.split(/\s+/);
        const v = f.map(Number);
        const idle = (v[3] ?? 0) + (v[4] ?? 0);
        const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
        return { cpu: Number(name!.slice(3)), busy: total - idle, steal: v[7] ?? 0, total };
      });
  } catch {
    return [];
  }
}

type HostCpuTimes = ReturnType<typeof hostCpuTimes>;

/** Each CPU's share of its time spent as `part` says between two hostCpuTimes() readings, to 0.1%; CPUs with no time passed are left out. */
function shareBetween(a: HostCpuTimes, b: HostCpuTimes, part: "busy" | "steal"): Record<string, number> {
  const out: Record<string, number> = {};
  for (const y of b) {
    const x = a.find((c) => c.cpu === y.cpu);
    if (x && y.total > x.total) out[`cpu${y.cpu}`] = Math.round(((y[part] - x[part]) / (y.total - x.total)) * 1000) / 1000;
  }
  return out;
}

/** Busy share of each CPU between two readings: how loaded the host was (by anything) meanwhile. */
export const hostBusyBetween = (a: HostCpuTimes, b: HostCpuTimes) => shareBetween(a, b, "busy");

/** Steal share of each CPU between two readings: time the hypervisor ran another guest on it. */
export const hostStealBetween = (a: HostCpuTimes, b: HostCpuTimes) => shareBetween(a, b, "steal");
