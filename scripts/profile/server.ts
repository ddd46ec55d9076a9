/**
 * The service under test as a child process: started pinned, with the GC log
 * on, its stderr read line by line (GC lines stamped on arrival and kept
 * apart), ready once it prints its `serving … admin …` line.
 */
import type { Subprocess } from "bun";
import { isGcLine, type GcLine } from "./gc-log.ts";
import { reapOnExit } from "../lib/reap.ts";

export interface ServerSpec {
  /** The command, e.g. ["bun", "src/server.ts", "--index", dir, ...]. */
  cmd: string[];
  cwd: string;
  /** Prefix such as ["taskset", "-c", "0"]; empty = not pinned. */
  pin: string[];
  env: Record<string, string>;
  readyTimeoutMs: number;
}

export interface RunningServer {
  pid: number;
  /** Hot-path base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  adminUrl: string;
  /** The full command as run (pin prefix included). */
  argv: string[];
  /** GC log lines read so far, stamped on arrival. */
  gc: GcLine[];
  /** Everything else it wrote to stderr. */
  log: string[];
  stop(): Promise<number>;
}

/** The ready line every server here prints (src/service/start.ts; the test servers copy it). */
export const READY = /serving (http:\/\/[^\s)]+?)[\s(].*admin (http:\/\/\S+)/;

export async function startServer(spec: ServerSpec): Promise<RunningServer> {
  const argv = [...spec.pin, ...spec.cmd];
  const proc: Subprocess<"ignore", "ignore", "pipe"> = Bun.spawn(argv, {
    cwd: spec.cwd,
    env: { ...process.env, ...spec.env },
    stdin: "ignore",
    stdout: "ignore",
    stderr: "pipe",
  });
  reapOnExit(proc);
  const gc: GcLine[] = [];
  const log: string[] = [];
  let ready: RegExpExecArray | null = null;
  const wake: { fn: (() => void) | null } = { fn: null };
  const pump = (async () => {
    const decoder = new TextDecoder();
    let buf = "";
    for await (const chunk of proc.stderr) {
      const t = performance.now();
      buf += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const text = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (isGcLine(text)) gc.push({ t, text });
        else {
          log.push(text);
          if (log.length > 2000) log.splice(0, 1000);
          if (!ready) ready = READY.exec(text);
        }
        wake.fn?.();
      }
    }
  })();
  const deadline = performance.now() + spec.readyTimeoutMs;
  while (!ready) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`the server exited (${proc.exitCode ?? proc.signalCode}) before it was ready:\n${log.slice(-20).join("\n")}`);
    }
    if (performance.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`the server was not ready in ${spec.readyTimeoutMs} ms:\n${log.slice(-20).join("\n")}`);
    }
    await new Promise<void>((resolve) => {
      wake.fn = resolve;
      setTimeout(resolve, 50);
    });
    wake.fn = null;
  }
  const m = ready as RegExpExecArray;
  return {
    pid: proc.pid,
    url: m[1]!.replace(/\/$/, ""),
    adminUrl: m[2]!.replace(/\/$/, ""),
    argv,
    gc,
    log,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
      const code = await Promise.race([proc.exited, Bun.sleep(15_000).then(() => (proc.kill("SIGKILL"), proc.exited))]);
      await pump.catch(() => {});
      return code;
    },
  };
}
