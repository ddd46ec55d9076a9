/**
 * `--continuous-profile DIR` in a service process: the recorder on the real
 * clock and the hub's profilers, identified by commit, variant, host and
 * worker, with DIR/meta.json saying how the directory is being filled.
 */
import { cpus, hostname } from "node:os";
import { PROJECT_ROOT } from "../../root.ts";
import type { AdminHub } from "../hub.ts";
import { type Kind, writeAtomic } from "./files.ts";
import { ContinuousRecorder } from "./recorder.ts";
import { systemClock } from "./schedule.ts";
import { hubSources } from "./sources.ts";

export interface ContinuousOptions {
  dir: string;
  windowMs: number;
  everyMs: number;
  keepMs: number;
  maxFiles: number;
  kinds: readonly Kind[];
  hz: number;
  blockRateMs: number;
  heapWalkBudgetMs: number;
  pushUrl?: string;
  pushTimeoutMs: number;
}

/** commitOf: $ENRICH_COMMIT (deployments without .git), else the checkout's short hash with -dirty when tracked files changed. */
export function commitOf(root = PROJECT_ROOT): string {
  if (process.env.ENRICH_COMMIT) return process.env.ENRICH_COMMIT;
  const rev = Bun.spawnSync(["git", "rev-parse", "--short=12", "HEAD"], { cwd: root, stderr: "ignore" });
  if (!rev.success) return "unknown";
  const dirty = Bun.spawnSync(["git", "status", "--porcelain", "--untracked-files=no"], { cwd: root, stderr: "ignore" }).stdout.toString().trim() !== "";
  return rev.stdout.toString().trim() + (dirty ? "-dirty" : "");
}

/** startContinuous starts the recorder's loop; the returned recorder's stop() ends it (SIGTERM drain). */
export function startContinuous(hub: AdminHub, o: ContinuousOptions, log: (line: string) => void): ContinuousRecorder {
  const identity = { commit: commitOf(), variant: hub.variant, host: hostname(), worker: String(hub.workerId) };
  const rec = new ContinuousRecorder({
    dir: o.dir,
    windowMs: o.windowMs,
    everyMs: o.everyMs,
    kinds: o.kinds,
    retention: { keepMs: o.keepMs, maxFiles: o.maxFiles },
    identity,
    hz: o.hz,
    push: o.pushUrl ? { url: o.pushUrl, timeoutMs: o.pushTimeoutMs } : undefined,
    clock: systemClock,
    sources: hubSources(hub, { hz: o.hz, blockRateMs: o.blockRateMs, heapWalkBudgetMs: o.heapWalkBudgetMs }),
    log,
  });
  if (hub.workerId === 0) {
    const meta = { ...identity, worker: undefined, startedAt: new Date().toISOString(), pid: process.pid, bun: Bun.version, cpu: { model: cpus()[0]?.model ?? "unknown", cores: cpus().length }, schedule: { windowMs: o.windowMs, everyMs: o.everyMs, alignedTo: "epoch" }, kinds: o.kinds, cpuHz: o.hz, blockRateMs: o.blockRateMs, heapWalkBudgetMs: o.heapWalkBudgetMs, retention: { keepMs: o.keepMs, maxFiles: o.maxFiles }, push: o.pushUrl ?? null };
    writeAtomic(o.dir, "meta.json", new TextEncoder().encode(`${JSON.stringify(meta, null, 2)}\n`)).catch((e) => log(`continuous profile: meta.json not written: ${(e as Error).message}`));
  }
  void rec.start();
  return rec;
}
