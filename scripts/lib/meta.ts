/**
 * The capture conditions every measurement records next to its numbers
 * (a profile without its capture conditions is unattributable).
 */
import { readFileSync } from "node:fs";
import { cpus, hostname, loadavg, totalmem } from "node:os";
import { PROJECT_ROOT } from "../../src/root.ts";
import { cpusOf } from "../../src/admin/affinity.ts";
import { hostBusyBetween, hostCpuTimes, hostStealBetween } from "../../src/load/cpu.ts";

// The host's CPU times live with the load engine's CPU meter (src/load/cpu.ts), which reads them per window too.
export { hostBusyBetween, hostCpuTimes, hostStealBetween };

export interface RunMeta {
  command: string;
  startedAt: string;
  git: { commit: string; dirty: boolean };
  bun: string;
  cpu: { model: string; cores: number };
  memoryBytes: number;
  host: string;
  env: Record<string, string>;
  /** 1/5/15-minute load averages when the run started: other work on the machine shows here. */
  loadAverage: number[];
  /** Each CPU's busy and steal share from collectMeta() to when the meta is written (the run's span): see HostSpan. */
  hostCpu: HostSpan;
}

/**
 * What the host did on each CPU over a run: the busy share (anything, ours
 * included) and the steal share, time the hypervisor gave this VM's vCPU to
 * someone else. Steal is invisible to every other instrument: the service's
 * and the generator's clocks run on while their threads do not, so it lands
 * in latency and throughput as if it were ours: single runs lost up to 34.5% of
 * a CPU to it on 2026-12-04 (FINDINGS §41). Serialized when the meta is
 * written (toJSON), so every
 * meta.json made with collectMeta() says so, with no change at its call site.
 */
export class HostSpan {
  private readonly from = hostCpuTimes();
  private readonly at = performance.now();

  toJSON(): { seconds: number; busy: Record<string, number>; steal: Record<string, number> } {
    const now = hostCpuTimes();
    return { seconds: Math.round(performance.now() - this.at) / 1000, busy: hostBusyBetween(this.from, now), steal: hostStealBetween(this.from, now) };
  }

  /** Each CPU's steal share so far. */
  steal(): Record<string, number> {
    return hostStealBetween(this.from, hostCpuTimes());
  }

  /** The highest CPU's steal share so far (0 where /proc/stat is unreadable). */
  maxSteal(): number {
    return maxShare(this.steal());
  }
}

/** The highest of per-CPU shares (0 for none). */
export const maxShare = (shares: Record<string, number>) => Math.max(0, ...Object.values(shares));

/** Per-CPU shares for a progress line: "cpu0 1.2%, cpu1 0.4%". */
export const sharesText = (shares: Record<string, number>) => Object.entries(shares).map(([cpu, v]) => `${cpu} ${(v * 100).toFixed(1)}%`).join(", ");

/** A run whose host stole more than this share of any CPU is flagged on stderr by the benches that check (stealWarning). */
export const STEAL_WARN = 0.05;

/** One line for stderr when the host stole over STEAL_WARN of a CPU during the run, else null. */
export function stealWarning(meta: RunMeta): string | null {
  const steal = meta.hostCpu.maxSteal();
  return steal > STEAL_WARN ? `warning: the host stole ${(steal * 100).toFixed(1)}% of a CPU from this VM during the run (/proc/stat steal): its figures are not this code's alone (meta.json hostCpu)` : null;
}

function git(...args: string[]): string {
  const r = Bun.spawnSync(["git", ...args], { cwd: PROJECT_ROOT, stdout: "pipe", stderr: "ignore" });
  return r.success ? r.stdout.toString().trim() : "";
}

/** Collects the machine/runtime/commit half of a meta.json; callers add what they measured and how. */
export function collectMeta(argv = process.argv): RunMeta {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("BUN_JSC_") || k === "NODE_ENV") as [string, string][]);
  return {
    command: argv.map((a) => (/^[\w./:=@%+-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(" ").replace(process.execPath, "bun"),
    startedAt: new Date().toISOString(),
    git: { commit: git("rev-parse", "HEAD") || "unknown", dirty: git("status", "--porcelain").length > 0 },
    bun: Bun.version,
    cpu: { model: cpus()[0]?.model ?? "unknown", cores: cpus().length },
    memoryBytes: totalmem(),
    host: hostname(),
    env,
    loadAverage: loadavg(),
    hostCpu: new HostSpan(),
  };
}

/** Median and spread (min, max) of a sample. */
export function summarize(xs: number[]): { median: number; min: number; max: number; n: number } {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]!, n: s.length };
}

/** paired: `other[i] / base[i]` round by round (the sides of one interleaved run), summarized, and the rounds in which `other` was ahead. */
export function paired(base: number[], other: number[]): ReturnType<typeof summarize> & { aheadIn: number } {
  if (base.length !== other.length || base.length === 0) throw new RangeError(`paired: expected two runs of the same non-zero length, got ${base.length} and ${other.length}`);
  const ratios = other.map((x, i) => x / base[i]!);
  return { ...summarize(ratios), aheadIn: ratios.filter((r) => r > 1).length };
}

/** CPU pinning: server and load on different cores when there are two or more (and taskset exists). */
export function pinning(serverCpu = 0, loadCpu = 1): { server: string[]; load: string[]; note: string } {
  const has = Bun.spawnSync(["sh", "-c", "command -v taskset"]).success;
  if (!has || cpus().length < 2) return { server: [], load: [], note: "not pinned (taskset missing or one core)" };
  return { server: ["taskset", "-c", String(serverCpu)], load: ["taskset", "-c", String(loadCpu)], note: `server on CPU ${serverCpu}, load generator on CPU ${loadCpu} (taskset)` };
}

/**
 * Pins this process (every thread) to the CPUs of a taskset prefix such as
 * ["taskset", "-c", "1"], for load generators that run in-process. Returns
 * false when it could not.
 */
export function pinSelf(prefix: string[]): boolean {
  const cpus = prefix[prefix.indexOf("-c") + 1];
  if (prefix[0] !== "taskset" || !cpus) return false;
  return Bun.spawnSync(["taskset", "-a", "-cp", cpus, String(process.pid)], { stdout: "ignore", stderr: "ignore" }).success;
}

/**
 * pinSelfWhile: pinSelf for one run of an in-process load generator (a test
 * runner that drives a pinned server must not share its core); returns the
 * undo, back to the CPUs this process had, or null when nothing was moved.
 */
export function pinSelfWhile(prefix: string[]): (() => void) | null {
  const before = cpusOf(process.pid);
  if (!before || !pinSelf(prefix)) return null;
  return () => void pinSelf(["taskset", "-c", before.join(",")]);
}

/** Host CPUs under this busy share (by anything) count as quiet. */
const QUIET_BUSY = 0.3;

/**
 * Waits until every host CPU has been under QUIET_BUSY for two consecutive
 * seconds (other people's benchmarks on a shared machine), or `maxMs` passes.
 */
export async function waitQuiet(maxMs: number, say: (line: string) => void = () => {}): Promise<{ waitedMs: number; quiet: boolean; lastBusy: Record<string, number> }> {
  const started = performance.now();
  let calm = 0;
  let last: Record<string, number> = {};
  say(`waiting for a quiet host (every CPU < ${QUIET_BUSY * 100}% busy for 2 s, at most ${Math.round(maxMs / 1000)} s)`);
  while (performance.now() - started < maxMs) {
    const a = hostCpuTimes();
    await Bun.sleep(1000);
    last = hostBusyBetween(a, hostCpuTimes());
    calm = Object.values(last).every((v) => v < QUIET_BUSY) ? calm + 1 : 0;
    if (calm >= 2) return { waitedMs: Math.round(performance.now() - started), quiet: true, lastBusy: last };
  }
  say(`host still busy (${JSON.stringify(last)}): going ahead anyway`);
  return { waitedMs: Math.round(performance.now() - started), quiet: false, lastBusy: last };
}
