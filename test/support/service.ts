/**
 * Starts `bun src/server.ts` as a child process on free ports and waits for its
 * ready line. For smoke tests of the real listener; everything else uses app.handle.
 */
import type { Subprocess } from "bun";
import { join } from "node:path";

export const ROOT = join(import.meta.dir, "../..");

export interface RunningService {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  url: string;
  adminUrl: string;
  /** Everything the service wrote to stderr so far. */
  log(): string;
  /** Resolves when the log matches (polls; bounded by timeoutMs). */
  waitForLog(re: RegExp, timeoutMs?: number): Promise<void>;
  stop(): Promise<number>;
}

export async function startService(args: string[], timeoutMs = 20_000): Promise<RunningService> {
  const proc = Bun.spawn([process.execPath, "src/server.ts", "--port", "0", "--admin-port", "0", "--host", "127.0.0.1", ...args], { cwd: ROOT, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  let log = "";
  const reader = proc.stderr.getReader();
  const decoder = new TextDecoder();
  const ready = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`service exited before it was ready:\n${log}`);
      log += decoder.decode(value, { stream: true });
      const m = /serving http:\/\/[^:]+:(\d+) .*admin http:\/\/([^:]+):(\d+)/.exec(log);
      if (m) return m;
    }
  })();
  const m = await Promise.race([ready, Bun.sleep(timeoutMs).then(() => { throw new Error(`service not ready in ${timeoutMs} ms:\n${log}`); })]);
  // Keep draining stderr so the child never blocks on a full pipe.
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      log += decoder.decode(value, { stream: true });
    }
  })();
  return {
    proc,
    url: `http://127.0.0.1:${m[1]}`,
    adminUrl: `http://${m[2]}:${m[3]}`,
    log: () => log,
    async waitForLog(re, waitMs = 10_000) {
      for (const deadline = performance.now() + waitMs; !re.test(log); await Bun.sleep(10)) {
        if (performance.now() > deadline) throw new Error(`log never matched ${re}:\n${log}`);
      }
    },
    async stop() {
      proc.kill("SIGTERM");
      return proc.exited;
    },
  };
}
