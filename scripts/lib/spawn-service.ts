/**
 * Starts `bun src/server.ts` as a child process on free ports (port 0) and
 * waits for its ready line, so benchmarks, scripts and tests never collide on
 * a fixed port. `prefix` puts a command such as `taskset -c 0` in front.
 */
import type { Subprocess } from "bun";
import { PROJECT_ROOT } from "../../src/service/default-index.ts";
import { reapOnExit } from "./reap.ts";

export interface RunningService {
  proc: Subprocess<"ignore", "ignore", "pipe">;
  url: string;
  adminUrl: string;
  /** Milliseconds from spawn until the ready line was read. */
  readyMs: number;
  /** Everything the service wrote to stderr so far. */
  log(): string;
  /** Resolves when the log matches (polls; bounded by waitMs). */
  waitForLog(re: RegExp, waitMs?: number): Promise<void>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number>;
}

export interface SpawnOptions {
  prefix?: string[];
  /** Another server than the service (same ready line), e.g. a purpose-made one: its whole command, run as given. */
  command?: string[];
  env?: Record<string, string>;
  timeoutMs?: number;
}

// The admin part is optional: purpose-made servers (bench/servers/echo.ts) have none.
const READY = /serving http:\/\/[^:]+:(\d+)(?: .*admin http:\/\/([^:]+):(\d+))?/;

export async function spawnService(args: string[], { prefix = [], command, env, timeoutMs = 60_000 }: SpawnOptions = {}): Promise<RunningService> {
  const t0 = performance.now();
  const cmd = command ?? [process.execPath, "src/server.ts", "--port", "0", "--admin-port", "0", "--host", "127.0.0.1", ...args];
  const proc = Bun.spawn([...prefix, ...cmd], {
    cwd: PROJECT_ROOT,
    stdin: "ignore",
    stdout: "ignore",
    stderr: "pipe",
    env: env ? { ...process.env, ...env } : undefined,
  });
  reapOnExit(proc);
  let log = "";
  let exited = false;
  void proc.exited.then(() => (exited = true));
  // Drain stderr for the whole life of the child so it never blocks on a full pipe.
  void (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of proc.stderr) log += decoder.decode(chunk, { stream: true });
  })();
  const waitForLog = async (re: RegExp, waitMs = timeoutMs) => {
    for (const deadline = performance.now() + waitMs; !re.test(log); await Bun.sleep(5)) {
      if (exited) throw new Error(`service exited before its log matched ${re}:\n${log}`);
      if (performance.now() > deadline) throw new Error(`service log never matched ${re} in ${waitMs} ms:\n${log}`);
    }
  };
  try {
    await waitForLog(READY);
  } catch (e) {
    // A server that never got ready (a starved core, a crash loop) must not outlive the caller.
    proc.kill("SIGKILL");
    throw e;
  }
  const m = READY.exec(log)!;
  return {
    proc,
    url: `http://127.0.0.1:${m[1]}`,
    adminUrl: m[2] ? `http://${m[2]}:${m[3]}` : "",
    readyMs: performance.now() - t0,
    log: () => log,
    waitForLog,
    async stop() {
      proc.kill("SIGTERM");
      return proc.exited;
    },
  };
}
