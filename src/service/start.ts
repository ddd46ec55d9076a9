/**
 * Starts one service process: opens the index, listens on the hot-path and
 * admin ports, spawns the extra workers (from worker 0) and drains on SIGTERM.
 */
import type { Subprocess } from "bun";
import { DEFAULTS, type Limits } from "../config.ts";
import { getVariant } from "../enrich/registry.ts";
import { createApp } from "../http/app.ts";
import { openTsIndex } from "../index/ts-index.ts";
import type { VerifyMode } from "../index/open.ts";
import { createAdminApp } from "../admin/server.ts";
import { createAdminHub } from "../admin/hub.ts";
import { instrumentHotPath } from "../admin/requests.ts";
import { defaultIndexDir, ensureDefaultIndex, PROJECT_ROOT } from "./default-index.ts";

export interface ServiceOptions {
  port: number;
  host: string;
  adminPort: number;
  adminHost: string;
  indexDir?: string;
  verify: VerifyMode;
  variant: string;
  workers: number;
  workerId: number;
  blockProfileRate: number;
  mutexProfileFraction: number;
  limits: Limits;
  /** The command line, so worker 0 can start the others with the same flags. */
  argv: string[];
  drainTimeoutMs?: number;
}

/** Far above any body limit: our own parser enforces --max-body-bytes with a JSON 413. */
const BUN_BODY_CEILING = 1 << 30;

export async function startService(o: ServiceOptions) {
  const tag = `enrich[${o.workerId}]`;
  const indexDir = o.indexDir ?? (o.workerId === 0 ? ensureDefaultIndex() : defaultIndexDir());
  const variant = getVariant(o.variant);
  const openStarted = performance.now();
  const index = openTsIndex(indexDir, { verify: o.verify });
  const openMs = performance.now() - openStarted;

  // The admin hub observes every hot-path request (metrics, in-flight table, trace) and owns the profiling rates.
  const hub = createAdminHub({ blockProfileRate: o.blockProfileRate, mutexProfileFraction: o.mutexProfileFraction, variant: variant.name, workerId: o.workerId });
  const app = instrumentHotPath(createApp({ index, variant, limits: o.limits, observer: hub.tracker }), hub.tracker).listen({
    port: o.port,
    hostname: o.host,
    reusePort: o.workers > 1,
    maxRequestBodySize: BUN_BODY_CEILING,
  });
  const server = app.server!;
  const adminPort = o.adminPort === 0 ? 0 : o.adminPort + o.workerId;
  const admin = createAdminApp(hub).listen({ port: adminPort, hostname: o.adminHost });

  const children: Subprocess[] = [];
  if (o.workerId === 0 && o.workers > 1) {
    for (let i = 1; i < o.workers; i++) {
      const argv = [...o.argv, "--worker-id", String(i), "--port", String(server.port), "--index", indexDir];
      children.push(Bun.spawn([process.execPath, `${PROJECT_ROOT}/src/server.ts`, ...argv], { stdio: ["ignore", "inherit", "inherit"] }));
    }
  } else if (o.workerId > 0) {
    // A worker whose primary died (even by SIGKILL) must not linger holding the port.
    const parent = process.ppid;
    setInterval(() => process.ppid !== parent && process.exit(1), 1000).unref();
  }

  process.stderr.write(
    `${tag}: serving http://${o.host}:${server.port} (variant ${variant.name}, index ${indexDir}, ${index.entries} entries, mapped ${(index as { mapped?: { mappedBytes: number } }).mapped?.mappedBytes ?? 0} bytes, opened in ${openMs.toFixed(0)} ms, ready ${performance.now().toFixed(0)} ms after process start); admin http://${o.adminHost}:${admin.server!.port}\n`,
  );

  let draining = false;
  const drain = async (signal: string) => {
    if (draining) return;
    draining = true;
    for (const c of children) c.kill("SIGTERM");
    const pending = server.pendingRequests;
    process.stderr.write(`${tag}: ${signal}: draining ${pending} in-flight request(s)\n`);
    server.stop(false);
    const deadline = performance.now() + (o.drainTimeoutMs ?? DEFAULTS.drainTimeoutMs);
    while (server.pendingRequests > 0 && performance.now() < deadline) await Bun.sleep(5);
    const left = server.pendingRequests;
    await Promise.race([Promise.all(children.map((c) => c.exited)), Bun.sleep(Math.max(0, deadline - performance.now()))]);
    admin.server?.stop(true);
    process.stderr.write(`${tag}: stopped${left > 0 ? ` with ${left} request(s) cut off by the ${o.drainTimeoutMs ?? DEFAULTS.drainTimeoutMs} ms drain limit` : ""}\n`);
    process.exit(left > 0 ? 1 : 0);
  };
  process.on("SIGTERM", () => void drain("SIGTERM"));
  process.on("SIGINT", () => void drain("SIGINT"));

  return { server, admin: admin.server!, index, variant, children };
}
