/**
 * Starts one service process: opens the index, listens on the hot-path and
 * admin ports, spawns the extra workers (from worker 0) and drains on SIGTERM.
 */
import { SERVICE_DEFAULTS, type AdmissionLimits, type Limits } from "../config.ts";
import { Admission } from "../http/admission.ts";
import { registerAdmissionMetrics } from "../admin/admission-metrics.ts";
import { IndexRef } from "../index/lifecycle.ts";
import { addIndexRoutes, registerIndexMetrics } from "../admin/index-routes.ts";
import { getVariant } from "../enrich/registry.ts";
import { createApp } from "../http/app.ts";
import { openIndex } from "../index/open-index.ts";
import type { Index, IndexImpl } from "../index/contract.ts";
import { KeySpace } from "../domain/keys.ts";
import type { Variant } from "../enrich/variant.ts";
import type { VerifyMode } from "../index/open.ts";
import { createAdminApp } from "../admin/server.ts";
import { createAdminHub } from "../admin/hub.ts";
import { instrumentHotPath } from "../admin/requests.ts";
import { type ContinuousOptions, startContinuous } from "../admin/continuous/service.ts";
import { Supervisor } from "./supervisor.ts";
import { defaultIndexDir, ensureDefaultIndex } from "./default-index.ts";
import { PROJECT_ROOT } from "../root.ts";
import { type AuditOptions, openAudit } from "../audit/sink.ts";
import { registerAuditMetrics } from "../audit/metrics.ts";

export interface ServiceOptions {
  port: number;
  host: string;
  adminPort: number;
  adminHost: string;
  indexDir?: string;
  verify: VerifyMode;
  /** --index-impl: which Index implementation serves (default SERVICE_DEFAULTS.indexImpl). */
  indexImpl?: IndexImpl;
  variant: string;
  workers: number;
  workerId: number;
  blockProfileRate: number;
  mutexProfileFraction: number;
  /** --profile-label-attr: the attr whose value labels CPU samples and block stalls (src/admin/request-labels.ts). */
  profileLabelAttr?: string;
  limits: Limits;
  /** --warmup-batches (default SERVICE_DEFAULTS.warmupBatches; 0 = none). */
  warmupBatches?: number;
  /** --idle-timeout in seconds (default SERVICE_DEFAULTS.idleTimeoutS). */
  idleTimeoutS?: number;
  /** Admission control bounds (defaults: DEFAULT_ADMISSION). */
  admission?: Partial<AdmissionLimits>;
  /** The command line, so worker 0 can start the others with the same flags. */
  argv: string[];
  drainTimeoutMs?: number;
  /** --continuous-profile DIR and its schedule (absent: off). */
  continuous?: ContinuousOptions;
  /** --audit redis://HOST:PORT[/STREAM] and the batched writer's bounds (absent: off). */
  audit?: AuditOptions;
}

/** Far above any body limit: our own parser enforces --max-body-bytes with a JSON 413. */
const BUN_BODY_CEILING = 1 << 30;

/**
 * warmUp answers `batches` (--warmup-batches) small batches in process (no HTTP, no audit), within
 * warmupBudgetMs, before the port opens: what a variant sets up on first use (v16 loads its native writer and builds its lexicon)
 * and the JIT's first tiers happen here, not under the first second of traffic.
 */
async function warmUp(variant: Variant, index: Index, limits: Limits, batches: number): Promise<void> {
  const keys = new KeySpace(index.seed);
  const until = performance.now() + SERVICE_DEFAULTS.warmupBudgetMs;
  for (let i = 0; i < batches && performance.now() < until; i++) {
    const hit = { key: keys.keyString(i % Math.max(1, index.entries)), attrs: { warm: "up" } };
    await variant.respond({ events: [hit, { key: "0", attrs: {} }] }, { index, limits });
  }
}

export async function startService(o: ServiceOptions) {
  const tag = `enrich[${o.workerId}]`;
  const indexDir = o.indexDir ?? (o.workerId === 0 ? ensureDefaultIndex() : defaultIndexDir());
  const variant = getVariant(o.variant);
  const openStarted = performance.now();
  const index = openIndex(indexDir, { impl: o.indexImpl ?? SERVICE_DEFAULTS.indexImpl, verify: o.verify });
  const openMs = performance.now() - openStarted;
  await warmUp(variant, index, o.limits, o.warmupBatches ?? SERVICE_DEFAULTS.warmupBatches);
  // The served index sits behind a reference that hot reload swaps (SIGHUP, POST /admin/reload).
  const indexRef = new IndexRef(index, o.indexImpl ?? SERVICE_DEFAULTS.indexImpl, (line) => process.stderr.write(`${tag}: ${line}\n`));

  // The admin hub observes every hot-path request (metrics, in-flight table, trace) and owns the profiling rates.
  const hub = createAdminHub({ blockProfileRate: o.blockProfileRate, mutexProfileFraction: o.mutexProfileFraction, variant: variant.name, workerId: o.workerId, labelAttr: o.profileLabelAttr });
  const admission = new Admission(o.admission).start();
  registerAdmissionMetrics(hub.metrics.registry, admission);
  registerIndexMetrics(hub.metrics.registry, indexRef);
  const audit = o.audit ? await openAudit(o.audit.target, (line) => process.stderr.write(`${tag}: ${line}\n`), o.audit) : undefined;
  if (audit) registerAuditMetrics(hub.metrics.registry, audit);
  const app = instrumentHotPath(createApp({ index, variant, limits: o.limits, observer: hub.tracker, admission, indexRef, audit }), hub.tracker).listen({
    port: o.port,
    hostname: o.host,
    reusePort: o.workers > 1,
    maxRequestBodySize: BUN_BODY_CEILING,
    idleTimeout: o.idleTimeoutS ?? SERVICE_DEFAULTS.idleTimeoutS,
  });
  const server = app.server!;
  const adminPort = o.adminPort === 0 ? 0 : o.adminPort + o.workerId;
  const admin = addIndexRoutes(createAdminApp(hub), indexRef).listen({ port: adminPort, hostname: o.adminHost });
  const continuous = o.continuous ? startContinuous(hub, o.continuous, (line) => process.stderr.write(`${tag}: ${line}\n`)) : null;

  // The primary supervises the other workers: a dead one is restarted with backoff, and logged (supervisor.ts).
  const supervisor =
    o.workerId === 0 && o.workers > 1
      ? new Supervisor({
          count: o.workers,
          spawn: (i) => Bun.spawn([process.execPath, `${PROJECT_ROOT}/src/server.ts`, ...o.argv, "--worker-id", String(i), "--port", String(server.port), "--index", indexDir], { stdio: ["ignore", "inherit", "inherit"] }),
          log: (line) => process.stderr.write(`${tag}: ${line}\n`),
        })
      : null;
  if (o.workerId > 0) {
    // A worker whose primary died (even by SIGKILL) drains and exits rather than linger unsupervised (supervisor.ts says why).
    const parent = process.ppid;
    setInterval(() => process.ppid !== parent && void drain("primary gone"), 1000).unref();
  }

  process.stderr.write(
    `${tag}: serving http://${o.host}:${server.port} (variant ${variant.name}, index ${indexDir}, ${index.entries} entries, ${index.impl} lookup, mapped ${index.mappedBytes} bytes, opened in ${openMs.toFixed(0)} ms, ready ${performance.now().toFixed(0)} ms after process start); admin http://${o.adminHost}:${admin.server!.port}\n`,
  );

  let draining = false;
  const drain = async (signal: string) => {
    if (draining) return;
    draining = true;
    const workersStopped = supervisor?.stop() ?? Promise.resolve();
    // An open continuous window is cut short and still written.
    const stopping = continuous?.stop();
    const pending = server.pendingRequests;
    process.stderr.write(`${tag}: ${signal}: draining ${pending} in-flight request(s)\n`);
    // New requests on kept-alive connections get 503 + Connection: close, answered ones Connection: close.
    admission.drain();
    server.stop(false);
    const deadline = performance.now() + (o.drainTimeoutMs ?? SERVICE_DEFAULTS.drainTimeoutMs);
    while (server.pendingRequests > 0 && performance.now() < deadline) await Bun.sleep(5);
    const left = server.pendingRequests;
    // The batched audit writer flushes what the answered requests left it, within the same deadline.
    const unwritten = audit ? await audit.close(deadline) : 0;
    if (unwritten > 0) process.stderr.write(`${tag}: audit: ${unwritten} entries not written by the drain deadline (counted as dropped)\n`);
    await Promise.race([workersStopped, Bun.sleep(Math.max(0, deadline - performance.now()))]);
    await stopping;
    admin.server?.stop(true);
    process.stderr.write(`${tag}: stopped${left > 0 ? ` with ${left} request(s) cut off by the ${o.drainTimeoutMs ?? SERVICE_DEFAULTS.drainTimeoutMs} ms drain limit` : ""}\n`);
    process.exit(left > 0 ? 1 : 0);
  };
  // A heap snapshot leaves every later GC slower until restart (src/admin/heap.ts): a supervised worker recycles itself.
  hub.afterHeapSnapshot = () => {
    if (o.workerId > 0) void drain("recycling after a heap snapshot (JSC keeps it, and every GC pays for that)");
    else process.stderr.write(`${tag}: heap snapshot taken: every later GC is slower until this process restarts (src/admin/heap.ts)\n`);
  };
  // Large indexes open without their data CRCs (--verify-index auto): check them now, in a worker, while serving.
  indexRef.watch();
  void indexRef.verifyInBackground().catch((e) => process.stderr.write(`${tag}: background index verification failed to run: ${(e as Error).message}\n`));
  // SIGHUP reloads the served directory (its files replaced by rename), in every worker; it never stops the process.
  process.on("SIGHUP", () => {
    supervisor?.signal("SIGHUP");
    indexRef.reload(indexRef.current.dir).catch(() => {});
  });
  process.on("SIGTERM", () => void drain("SIGTERM"));
  process.on("SIGINT", () => void drain("SIGINT"));

  return { server, admin: admin.server!, index, variant, children: supervisor?.children ?? [], admission, indexRef };
}
