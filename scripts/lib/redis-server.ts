/**
 * Starts a real redis-server (Debian's package) for tests and benchmarks: a
 * free port, a temp dir, no persistence, readiness by its "Ready to accept
 * connections" line and then a PING (never a sleep), killed with the script
 * that started it; kill/restart on the same port for outage tests.
 * `prefix` puts a command such as `taskset -c 1` in front. `delayMs` puts
 * it behind scripts/latency-proxy.ts (that one-way delay on every chunk):
 * `url` is then the proxy's, `directUrl` Redis's own.
 */
import type { Subprocess } from "bun";
import { RedisClient } from "bun";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { reapOnExit } from "./reap.ts";

/** Whether redis-server is installed. */
export const HAS_REDIS = Bun.which("redis-server") !== null;

export interface RunningRedis extends AsyncDisposable {
  port: number;
  /** Where a client should connect: Redis, or the latency proxy in front of it. */
  url: string;
  directUrl: string;
  /** One-way delay of the proxy in front (0: none). */
  delayMs: number;
  /** A connected client for the caller's own reads (XLEN, XRANGE). */
  client(): Promise<RedisClient>;
  /** SIGKILL: what a crash or an OOM kill looks like to the service. */
  kill(): Promise<void>;
  /** Starts it again on the same port and dir (empty: no persistence). */
  restart(): Promise<void>;
  stop(): Promise<void>;
  pid(): number;
}

function freePort(): number {
  // Bind :0 and hand the port over; the window for someone else to take it is tiny, and start retries.
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

async function launch(port: number, dir: string, prefix: string[]): Promise<Subprocess<"ignore", "pipe", "pipe">> {
  const proc = Bun.spawn([...prefix, "redis-server", "--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no", "--protected-mode", "no"], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  reapOnExit(proc);
  // One reader for its whole life: read up to the ready line, then keep draining so it never blocks on a full pipe.
  const reader = proc.stdout.getReader();
  const decoder = new TextDecoder();
  let log = "";
  while (!log.includes("Ready to accept connections")) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`redis-server on port ${port} did not start:\n${log}`);
    log += decoder.decode(value, { stream: true });
  }
  void (async () => {
    while (!(await reader.read()).done);
  })();
  const c = new RedisClient(`redis://127.0.0.1:${port}`, { autoReconnect: false });
  try {
    if ((await c.send("PING", [])) !== "PONG") throw new Error(`redis-server on port ${port} did not answer PING`);
  } finally {
    c.close();
  }
  return proc;
}

/** Starts scripts/latency-proxy.ts in front of `port`; resolves to its port once it listens. */
async function startProxy(port: number, delayMs: number, prefix: string[]): Promise<{ port: number; proc: Subprocess }> {
  const proc = Bun.spawn([...prefix, process.execPath, join(import.meta.dir, "../latency-proxy.ts"), "--to", `127.0.0.1:${port}`, "--delay", `${delayMs}ms`], { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  reapOnExit(proc);
  const reader = proc.stderr.getReader();
  const decoder = new TextDecoder();
  let log = "";
  let m: RegExpExecArray | null = null;
  while (!(m = /listening on 127\.0\.0\.1:(\d+)/.exec(log))) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`latency proxy did not start:\n${log}`);
    log += decoder.decode(value, { stream: true });
  }
  void (async () => {
    while (!(await reader.read()).done);
  })();
  return { port: Number(m[1]), proc };
}

export async function startRedis({ dir = mkdtempSync(join(tmpdir(), "enrich-redis-")), prefix = [] as string[], delayMs = 0 } = {}): Promise<RunningRedis> {
  let port = 0;
  let proc: Subprocess<"ignore", "pipe", "pipe"> | undefined;
  for (let attempt = 0; !proc; attempt++) {
    port = freePort();
    try {
      proc = await launch(port, dir, prefix);
    } catch (e) {
      if (attempt >= 3) throw e;
    }
  }
  const proxy = delayMs > 0 ? await startProxy(port, delayMs, prefix) : null;
  const clients: RedisClient[] = [];
  const r: RunningRedis = {
    port,
    url: `redis://127.0.0.1:${proxy?.port ?? port}`,
    directUrl: `redis://127.0.0.1:${port}`,
    delayMs,
    async client() {
      const c = new RedisClient(r.directUrl, { autoReconnect: false });
      await c.connect();
      clients.push(c);
      return c;
    },
    async kill() {
      proc!.kill("SIGKILL");
      await proc!.exited;
    },
    async restart() {
      proc = await launch(port, dir, prefix);
    },
    async stop() {
      for (const c of clients) if (c.connected) c.close();
      proxy?.proc.kill("SIGTERM");
      proc!.kill("SIGTERM");
      await proc!.exited;
    },
    pid: () => proc!.pid,
    [Symbol.asyncDispose]: () => r.stop(),
  };
  return r;
}
