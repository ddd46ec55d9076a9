/**
 * The one way to start a service (or a purpose-made server) as a child:
 * `bun src/server.ts` on free ports (port 0) by default, ready once it prints
 * its ready line, so benchmarks, scripts and tests never collide on a fixed
 * port. `prefix` puts a command such as `taskset -c 0` in front; `onLine`
 * sees stderr line by line (the profile kit keeps the GC log apart with it).
 */
import type { Subprocess } from "bun";
import { PROJECT_ROOT } from "../../src/root.ts";
import { reapOnExit } from "./reap.ts";

export interface RunningService {
  proc: Subprocess<"ignore", "ignore", "pipe">;
  /** The command as run, prefix included. */
  argv: string[];
  url: string;
  adminUrl: string;
  /** Milliseconds from spawn until the ready line was read. */
  readyMs: number;
  /** Everything the service wrote to stderr so far (but the lines `onLine` kept). */
  log(): string;
  /** Resolves when the log matches (polls; bounded by waitMs). */
  waitForLog(re: RegExp, waitMs?: number): Promise<void>;
  /** SIGTERM (if still running), then the exit code; SIGKILL if it has not exited after `killAfterMs`. */
  stop(killAfterMs?: number): Promise<number>;
}

export interface SpawnOptions {
  prefix?: string[];
  /** Another server than the service (same ready line), e.g. a purpose-made one: its whole command, run as given. */
  command?: string[];
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Working directory; the project root by default. */
  cwd?: string;
  /** Sees each stderr line on arrival, stamped with performance.now(); returning true keeps the line out of log(). */
  onLine?: (text: string, t: number) => boolean;
}

const HOST_PORT = String.raw`http:\/\/(?:\[[^\]\s]*\]|[^\s:/\[]+):\d+`;
// The admin part is optional: purpose-made servers (bench/servers/echo.ts) have none.
const READY = new RegExp(String.raw`serving (${HOST_PORT})(?:.*?\badmin (${HOST_PORT}))?`);

/**
 * parseReadyLine reads the ready line src/service/start.ts prints (purpose-made
 * servers copy it): `enrich[0]: serving http://H:P (…); admin http://H:P`.
 * A wildcard host is reached on loopback. Null while no such line is in `log`.
 */
export function parseReadyLine(log: string): { url: string; adminUrl: string } | null {
  const m = READY.exec(log);
  if (!m) return null;
  const reachable = (u: string) => u.replace(/^http:\/\/(0\.0\.0\.0|\[::\]):/, "http://127.0.0.1:");
  return { url: reachable(m[1]!), adminUrl: m[2] ? reachable(m[2]) : "" };
}

export async function spawnService(args: string[], { prefix = [], command, env, timeoutMs = 60_000, cwd = PROJECT_ROOT, onLine }: SpawnOptions = {}): Promise<RunningService> {
  const t0 = performance.now();
  const cmd = command ?? [process.execPath, "src/server.ts", "--port", "0", "--admin-port", "0", "--host", "127.0.0.1", ...args];
  const argv = [...prefix, ...cmd];
  const proc = Bun.spawn(argv, {
    cwd,
    stdin: "ignore",
    stdout: "ignore",
    stderr: "pipe",
    env: env ? { ...process.env, ...env } : undefined,
  });
  reapOnExit(proc);
  let lines = "";
  let partial = "";
  const log = () => lines + partial;
  let exited = false;
  void proc.exited.then(() => (exited = true));
  // Drain stderr for the whole life of the child so it never blocks on a full pipe.
  void (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of proc.stderr) {
      const t = performance.now();
      partial += decoder.decode(chunk, { stream: true });
      for (let nl = partial.indexOf("\n"); nl >= 0; nl = partial.indexOf("\n")) {
        const text = partial.slice(0, nl);
        partial = partial.slice(nl + 1);
        if (!onLine?.(text, t)) lines += text + "\n";
      }
    }
  })();
  const waitUntil = async (matched: () => boolean, re: RegExp, waitMs: number) => {
    for (const deadline = performance.now() + waitMs; !matched(); await Bun.sleep(5)) {
      if (exited) throw new Error(`service exited before its log matched ${re}:\n${log()}`);
      if (performance.now() > deadline) throw new Error(`service log never matched ${re} in ${waitMs} ms:\n${log()}`);
    }
  };
  const waitForLog = (re: RegExp, waitMs = timeoutMs) => waitUntil(() => re.test(log()), re, waitMs);
  try {
    // Whole lines only: a ready line read half-way would lack its admin URL.
    await waitUntil(() => READY.test(lines), READY, timeoutMs);
  } catch (e) {
    // A server that never got ready (a starved core, a crash loop) must not outlive the caller.
    proc.kill("SIGKILL");
    throw e;
  }
  const ready = parseReadyLine(lines)!;
  return {
    proc,
    argv,
    ...ready,
    readyMs: performance.now() - t0,
    log,
    waitForLog,
    async stop(killAfterMs?: number) {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
      if (killAfterMs === undefined) return proc.exited;
      return Promise.race([proc.exited, Bun.sleep(killAfterMs).then(() => (proc.kill("SIGKILL"), proc.exited))]);
    },
  };
}
