/** Proves the target accepts TCP connections before any schedule starts. */
import { LoadError } from "../errors.ts";
import type { Target } from "../corpus.ts";

/** Connects and disconnects once; rejects with a one-line LoadError naming the address and the cause. */
export async function preflight(target: Target, timeoutMs: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const connect = Bun.connect({
      hostname: target.hostname,
      port: target.port,
      tls: target.tls,
      socket: { data() {}, connectError() {} },
    });
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" })), timeoutMs);
    });
    const s = await Promise.race([connect, timeout]);
    s.end();
  } catch (e) {
    const why = (e as { code?: string }).code ?? (e as Error).message;
    throw new LoadError(`cannot connect to ${target.host} (${target.url}): ${why}`, "unreachable");
  } finally {
    clearTimeout(timer);
  }
}
