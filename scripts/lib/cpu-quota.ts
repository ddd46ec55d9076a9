/**
 * A CPU quota for one service process, through a cgroup's CFS bandwidth
 * control (v2 `cpu.max`, or v1 `cpu.cfs_quota_us`).
 *
 * Why: an overload test needs a load generator that can offer a multiple of
 * the server's capacity. On two cores the generator has one, and one JS core
 * offers ~100k req/s open-model, not 3× a thin service that answers 50k on its
 * own core. Holding the server to a fraction of its core lowers its capacity
 * (measured under the same quota, so every threshold stays relative) into the
 * generator's reach. The price: the quota is enforced per period, so a busy
 * server is paused for up to (1 − fraction) × period at a time; the short
 * default period keeps that to a few milliseconds at most, and the unloaded p99 the
 * verdicts compare against is measured under the same pauses.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface CpuQuota {
  /** Put in front of the server's command (before taskset): moves the process into the cgroup, then execs. */
  prefix: string[];
  fraction: number;
  periodUs: number;
  cgroup: string;
  /** The kernel's throttling counters so far (cpu.stat), for meta.json. */
  stat(): Record<string, number>;
  /** Removes the cgroup; call once the process in it has exited. */
  remove(): void;
}

const V2_ROOT = "/sys/fs/cgroup";
const V1_CPU = "/sys/fs/cgroup/cpu";

function readStat(dir: string): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    for (const line of readFileSync(join(dir, "cpu.stat"), "latin1").split("\n")) {
      const [k, v] = line.split(" ");
      if (k && v !== undefined) out[k] = Number(v);
    }
  } catch {
    /* no counters is not a reason to fail the run */
  }
  return out;
}

/** 2 ms, or longer where the kernel's 1 ms smallest quota needs it (0.3 CPU: 1 ms of every 3.33). */
export const defaultPeriodUs = (fraction: number) => Math.max(2000, Math.ceil(1000 / fraction));

/** Creates a cgroup holding its processes to `fraction` of one CPU; throws with the reason when this host cannot. */
export function cpuQuota(fraction: number, periodUs = defaultPeriodUs(fraction)): CpuQuota {
  if (!(fraction >= 0.001 && fraction <= 1)) throw new Error(`--server-cpu must be in [0.001, 1] (a fraction of one CPU), got ${fraction}`);
  if (!(periodUs >= 1000 && periodUs <= 1_000_000)) throw new Error(`the quota period must be 1 ms to 1 s, got ${periodUs} µs`);
  if (fraction * periodUs < 1000) throw new Error(`a quota of ${fraction} CPU needs a period of at least ${Math.ceil(1000 / fraction)} µs (the kernel's smallest quota is 1 ms)`);
  const quotaUs = Math.round(fraction * periodUs);
  const name = `enrich-quota-${process.pid}`;
  let dir: string;
  try {
    if (existsSync(join(V2_ROOT, "cgroup.controllers"))) {
      if (!readFileSync(join(V2_ROOT, "cgroup.subtree_control"), "latin1").split(/\s+/).includes("cpu")) writeFileSync(join(V2_ROOT, "cgroup.subtree_control"), "+cpu");
      dir = join(V2_ROOT, name);
      mkdirSync(dir);
      writeFileSync(join(dir, "cpu.max"), `${quotaUs} ${periodUs}`);
    } else if (existsSync(join(V1_CPU, "cpu.cfs_quota_us"))) {
      dir = join(V1_CPU, name);
      mkdirSync(dir);
      // The period first: a quota above the old period's length would be refused otherwise.
      writeFileSync(join(dir, "cpu.cfs_period_us"), String(periodUs));
      writeFileSync(join(dir, "cpu.cfs_quota_us"), String(quotaUs));
    } else {
      throw new Error("no cgroup cpu controller (neither cgroup v2 cpu.max nor v1 /sys/fs/cgroup/cpu)");
    }
  } catch (e) {
    throw new Error(`cannot hold the server to ${fraction} of a CPU: ${(e as Error).message} (needs root and a writable cgroup cpu controller)`);
  }
  return {
    // `$0` is the procs file: the shell joins the cgroup, then becomes the server, so the pid the caller holds is the server's.
    prefix: ["sh", "-c", 'echo $$ > "$0" && exec "$@"', join(dir, "cgroup.procs")],
    fraction: quotaUs / periodUs,
    periodUs,
    cgroup: dir,
    stat: () => readStat(dir),
    remove() {
      try {
        rmdirSync(dir);
      } catch {
        /* still populated (a process that outlived its stop) or gone: nothing to undo that rmdir could */
      }
    },
  };
}
