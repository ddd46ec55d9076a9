/**
 * Usage: bun bench/hostile.ts [--quick] [--variant v0] [--idle 20000] [--slow-bodies 100] [--slowloris 200]
 *                             [--out DIR] [--url URL --admin URL]
 *
 * The hostile-client probes of issue 14, each bounded in time, against one
 * service process (spawned on free ports unless --url/--admin name one):
 *
 *   deep      the 45,000-deep body in an ignored field: 400, and how long it took
 *   slowloris connections sending their headers a byte at a time
 *   bodies    connections declaring an 8 MiB − 1 byte body and sending it slowly
 *   idle      keep-alive connections opened and left idle
 *   overload  a short open-model burst at 3× the capacity measured just before
 *
 * During each probe a control client sends one real request (on a fresh
 * connection) and scrapes /metrics every 100 ms: the verdict is that both kept
 * answering, that the process stayed up, and its RSS peak. `--quick` is the
 * CI size (seconds, small counts). Prints JSON; writes meta.json with --out.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Socket } from "bun";
import { cli } from "../src/cli/args.ts";
import { ensureDefaultIndex } from "../src/service/default-index.ts";
import { startLoad } from "../src/load/index.ts";
import { collectMeta, pinning } from "../scripts/lib/meta.ts";
import { spawnService } from "../scripts/lib/spawn-service.ts";

const args = cli(process.argv.slice(2), "Usage: bun bench/hostile.ts [options]\n\nHostile-client probes against the service, bounded in time.", {
  quick: { kind: "boolean", help: "CI size: small counts, short phases" },
  variant: { kind: "string", help: "service variant (when spawning)", default: "v0" },
  index: { kind: "string", help: "index directory (when spawning; default data/default)" },
  idle: { kind: "number", help: "idle keep-alive connections", default: 20_000 },
  "slow-bodies": { kind: "number", help: "connections sending an 8 MiB − 1 body slowly", default: 100 },
  slowloris: { kind: "number", help: "connections sending headers a byte at a time", default: 200 },
  seconds: { kind: "number", help: "length of each probe", default: 10 },
  url: { kind: "string", help: "an already running service (hot-path base URL)" },
  admin: { kind: "string", help: "its admin base URL (with --url)" },
  out: { kind: "string", help: "directory for meta.json" },
});
const quick = args.quick;
const counts = quick ? { idle: 300, bodies: 20, slowloris: 30, seconds: 2 } : { idle: args.idle, bodies: args["slow-bodies"], slowloris: args.slowloris, seconds: args.seconds };

const svc = args.url ? null : await spawnService(["--variant", args.variant, "--index", args.index ?? ensureDefaultIndex()], { prefix: pinning().server });
const base = args.url ?? svc!.url;
const adminBase = args.admin ?? svc!.adminUrl;
const { hostname, port } = new URL(base);
const THIN = '{"events":[{"key":"1","attrs":{}}]}';

function rssMiB(): number {
  if (!svc) return NaN;
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${svc.proc.pid}/status`, "latin1"))![1]) / 1024;
  } catch {
    return NaN;
  }
}

/** Runs the control client (request + metrics every 100 ms) until `stop` resolves. */
async function control(stop: Promise<void>) {
  let done = false;
  void stop.then(() => (done = true));
  const seen = { requests: 0, requestFailures: 0, healthzFailures: 0, metrics: 0, metricsFailures: 0, maxMs: 0, rssMaxMiB: 0 };
  while (!done) {
    const t = performance.now();
    const [r, m, h] = await Promise.allSettled([
      fetch(`${base}/enrich`, { method: "POST", headers: { "content-type": "application/json", connection: "close" }, body: THIN, signal: AbortSignal.timeout(2000) }).then(async (x) => (await x.arrayBuffer(), x.status)),
      fetch(`${adminBase}/metrics`, { headers: { connection: "close" }, signal: AbortSignal.timeout(2000) }).then(async (x) => (await x.arrayBuffer(), x.status)),
      fetch(`${base}/healthz`, { headers: { connection: "close" }, signal: AbortSignal.timeout(2000) }).then(async (x) => (await x.arrayBuffer(), x.status)),
    ]);
    if (h.status !== "fulfilled" || h.value !== 200) seen.healthzFailures++;
    seen.requests++;
    if (r.status !== "fulfilled" || r.value !== 200) seen.requestFailures++;
    seen.metrics++;
    if (m.status !== "fulfilled" || m.value !== 200) seen.metricsFailures++;
    seen.maxMs = Math.max(seen.maxMs, performance.now() - t);
    seen.rssMaxMiB = Math.max(seen.rssMaxMiB, rssMiB());
    await Bun.sleep(100);
  }
  return seen;
}

/** Opens `n` raw TCP connections (stops early at the first failure: the fd limit); returns them and how many failed. */
async function openSockets(n: number, onOpen?: (s: Socket) => void) {
  const sockets: Socket[] = [];
  let failed = 0;
  for (let i = 0; i < n; i += 100) {
    const batch = await Promise.allSettled(
      Array.from({ length: Math.min(100, n - i) }, () => Bun.connect({ hostname, port: Number(port), socket: { data() {}, open: onOpen, error() {}, close() {} } })),
    );
    for (const b of batch) b.status === "fulfilled" ? sockets.push(b.value) : failed++;
    if (failed) break;
  }
  return { sockets, failed };
}

const probes: Record<string, unknown> = {};
const during = async (name: string, body: (stop: Promise<void>) => Promise<Record<string, unknown>>) => {
  let release!: () => void;
  const stop = new Promise<void>((r) => (release = r));
  const ctl = control(stop);
  const own = await body(stop).finally(() => release());
  probes[name] = { ...own, control: await ctl, alive: svc ? svc.proc.exitCode === null : true };
  process.stderr.write(`hostile: ${name}: ${JSON.stringify(probes[name])}\n`);
};
const hold = (ms: number) => Bun.sleep(ms);

// 1. deep nesting
{
  const d = 45_000;
  const deep = `{"x":${"[".repeat(d)}${"]".repeat(d)},"events":[]}`;
  const times: number[] = [];
  let status = 0;
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const r = await fetch(`${base}/enrich`, { method: "POST", headers: { "content-type": "application/json" }, body: deep });
    await r.arrayBuffer();
    times.push(performance.now() - t);
    status = r.status;
  }
  probes.deep = { status, bodyBytes: deep.length, msMedian: times.sort((a, b) => a - b)[2] };
  process.stderr.write(`hostile: deep: ${JSON.stringify(probes.deep)}\n`);
}

// 2. slowloris: a header byte every 500 ms
await during("slowloris", async (stop) => {
  const head = Buffer.from(`POST /enrich HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${THIN.length}\r\n`);
  const { sockets, failed } = await openSockets(counts.slowloris);
  let i = 0;
  const timer = setInterval(() => {
    for (const s of sockets) s.write(head.subarray(i % head.length, (i % head.length) + 1));
    i++;
  }, 500);
  await Promise.race([hold(counts.seconds * 1000), stop]);
  clearInterval(timer);
  for (const s of sockets) s.end();
  return { connections: sockets.length, connectFailures: failed };
});

// 3. slow 8 MiB − 1 bodies: 64 KiB every 250 ms
await during("bodies", async () => {
  const size = 8 * 1024 * 1024 - 1;
  const { sockets, failed } = await openSockets(counts.bodies);
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  for (const s of sockets) {
    s.write(`POST /enrich HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${size}\r\n\r\n`);
  }
  const timer = setInterval(() => {
    for (const s of sockets) s.write(chunk);
  }, 250);
  await hold(counts.seconds * 1000);
  clearInterval(timer);
  for (const s of sockets) s.end();
  return { connections: sockets.length, connectFailures: failed, declaredBytesEach: size };
});

// 4. idle keep-alive connections
await during("idle", async () => {
  const { sockets, failed } = await openSockets(counts.idle);
  await hold(counts.seconds * 1000);
  for (const s of sockets) s.end();
  return { connections: sockets.length, connectFailures: failed };
});

// 5. overload: capacity from a closed loop of 32 in-flight requests, then 3× it open-model
await during("overload", async () => {
  const t0 = performance.now();
  let n = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (performance.now() - t0 < 1000) {
        const r = await fetch(`${base}/enrich`, { method: "POST", headers: { "content-type": "application/json" }, body: THIN });
        await r.arrayBuffer();
        if (r.status === 200) n++;
      }
    }),
  );
  const capacity = n / ((performance.now() - t0) / 1000);
  const corpus = join(args.index ?? ensureDefaultIndex(), "thin.ndjson");
  const byStatus: Record<string, number> = {};
  const result = await startLoad({ url: `${base}/enrich`, corpus, rps: Math.max(10, capacity * 3), durationMs: counts.seconds * 1000, warmupMs: 0, connections: 512, timeoutMs: 5000, progressMs: 1e9 }, { onResponse: (_i, _a, s) => void (byStatus[s] = (byStatus[s] ?? 0) + 1) }).done;
  return { capacityRps: capacity, offeredRps: capacity * 3, byStatus, timeouts: result.counts.timeout, transportErrors: result.counts.transport };
});

const verdicts = Object.fromEntries(
  Object.entries(probes).map(([k, v]) => {
    const p = v as { status?: number; alive?: boolean; control?: { requestFailures: number; metricsFailures: number; healthzFailures: number } };
    if (k === "deep") return [k, p.status === 400];
    const c = p.control!;
    // Under overload a real request may rightly get a 503: there, /healthz and /metrics are what must answer.
    return [k, p.alive === true && c.metricsFailures === 0 && c.healthzFailures === 0 && (k === "overload" || c.requestFailures === 0)];
  }),
);
const out = { quick, counts, probes, verdicts };
console.log(JSON.stringify(out, null, 2));
if (args.out) {
  mkdirSync(args.out, { recursive: true });
  writeFileSync(join(args.out, "meta.json"), JSON.stringify({ ...collectMeta(), pinning: pinning().note, ...out }, null, 2) + "\n");
}
await svc?.stop();
process.exit(Object.values(verdicts).every(Boolean) ? 0 : 1);
