/**
 * The capture conditions every measurement records next to its numbers
 * (DESIGN.md: "a profile without its capture conditions is unattributable").
 */
import { cpus, hostname, loadavg, totalmem } from "node:os";
import { PROJECT_ROOT } from "../../src/service/default-index.ts";

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
  };
}

/** Median and spread (min, max) of a sample. */
export function summarize(xs: number[]): { median: number; min: number; max: number; n: number } {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]!, n: s.length };
}

/** CPU pinning: server and load on different cores when there are two or more (and taskset exists). */
export function pinning(): { server: string[]; load: string[]; note: string } {
  const has = Bun.spawnSync(["sh", "-c", "command -v taskset"]).success;
  if (!has || cpus().length < 2) return { server: [], load: [], note: "not pinned (taskset missing or one core)" };
  return { server: ["taskset", "-c", "0"], load: ["taskset", "-c", "1"], note: "server on CPU 0, load generator on CPU 1 (taskset)" };
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
