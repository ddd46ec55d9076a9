/**
 * The service under test as a child process (scripts/lib/spawn-service.ts
 * starts it): pinned, with the GC log on, its GC lines stamped on arrival and
 * kept apart from the rest of its stderr.
 */
import { type RunningService, spawnService } from "../lib/spawn-service.ts";
import { isGcLine, type GcLine } from "./gc-log.ts";

export interface ServerSpec {
  /** The command, e.g. ["bun", "src/server.ts", "--index", dir, ...]. */
  cmd: string[];
  cwd: string;
  /** Prefix such as ["taskset", "-c", "0"]; empty = not pinned. */
  pin: string[];
  env: Record<string, string>;
  readyTimeoutMs: number;
}

export interface RunningServer extends RunningService {
  /** GC log lines read so far, stamped on arrival (not in log()). */
  gc: GcLine[];
}

/** A server that ignores SIGTERM this long is killed: a capture must end. */
const STOP_GRACE_MS = 15_000;

export async function startServer(spec: ServerSpec): Promise<RunningServer> {
  const gc: GcLine[] = [];
  const onLine = (text: string, t: number) => isGcLine(text) && gc.push({ t, text }) > 0;
  const svc = await spawnService([], { command: spec.cmd, prefix: spec.pin, cwd: spec.cwd, env: spec.env, timeoutMs: spec.readyTimeoutMs, onLine });
  return { ...svc, gc, stop: () => svc.stop(STOP_GRACE_MS) };
}
