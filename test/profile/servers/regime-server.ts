/**
 * Usage: bun test/profile/servers/regime-server.ts --regime cpu|gc|lock|io [--work MS]
 *
 * A purpose-made server whose bottleneck is known, for the doctor's tests: the
 * real admin port (src/admin: profiles, /metrics) over a POST /enrich that
 *   cpu   burns --work ms of CPU per request
 *   gc    rewrites a large live graph and forces a full collection every 10th request (the collector's work dominates)
 *   lock  holds an AsyncMutex across an await of --work ms (requests queue on the lock)
 *   io    awaits a --work ms "downstream call" (a timer) and does almost nothing else
 * Prints the same ready line as the service, so scripts/profile.ts can start it.
 */
import { Elysia } from "elysia";
import { parseArgs } from "node:util";
import { createAdminApp } from "../../../src/admin/server.ts";
import { createAdminHub } from "../../../src/admin/hub.ts";
import { instrumentHotPath } from "../../../src/admin/requests.ts";
import { AsyncMutex } from "../../../src/enrich/async-mutex.ts";

const { values } = parseArgs({ options: { regime: { type: "string" }, work: { type: "string", default: "" } } });
const regime = values.regime ?? "";
const DEFAULT_WORK: Record<string, number> = { cpu: 4, gc: 0, lock: 6, io: 8 };
if (!(regime in DEFAULT_WORK)) {
  process.stderr.write(`error: --regime: expected cpu, gc, lock or io, got '${regime}'\n`);
  process.exit(2);
}
const work = values.work ? Number(values.work) : DEFAULT_WORK[regime]!;

/** burnCpu spins for `ms` of wall time doing arithmetic the JIT cannot drop. */
function burnCpu(ms: number): number {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) for (let i = 0; i < 1000; i++) x = (x * 31 + i) | 0;
  return x;
}

/**
 * The gc regime: a large live graph the collector must trace, rewritten at
 * random by every request (old objects pointing at new ones: each young
 * collection has a big remembered set to scan, and promoted garbage piles up
 * for full collections), and, every FORCE_EVERY requests, an explicit full
 * collection — the `global.gc()` "memory hygiene" call some services ship.
 * The JS work per request stays small; the collector's is large.
 */
const LIVE = Number(process.env.REGIME_LIVE ?? 100_000);
const CHURN = Number(process.env.REGIME_CHURN ?? 1_000);
const FORCE_EVERY = Number(process.env.REGIME_FORCE_EVERY ?? 10);
const live: { id: number; tags: string[]; next: unknown }[] = [];
for (let i = 0; i < LIVE; i++) live.push({ id: i, tags: [], next: null });
let served = 0;
function churnHeap(): number {
  for (let i = 0; i < CHURN; i++) {
    const slot = (Math.random() * LIVE) | 0;
    live[slot] = { id: i, tags: [`t${i}`, `u${slot}`], next: { a: [i, i + 1, i + 2], s: `x${i}` } };
  }
  if (FORCE_EVERY > 0 && ++served % FORCE_EVERY === 0) Bun.gc(true);
  return live.length;
}

const lock = new AsyncMutex("regime-test-lock");

async function handle(): Promise<string> {
  switch (regime) {
    case "cpu":
      return String(burnCpu(work));
    case "gc":
      return String(churnHeap());
    case "lock": {
      const release = await lock.acquire();
      try {
        await Bun.sleep(work);
      } finally {
        release();
      }
      return "ok";
    }
    default:
      await Bun.sleep(work);
      return "ok";
  }
}

const hub = createAdminHub({ blockProfileRate: 0, mutexProfileFraction: 0, variant: `regime-${regime}`, workerId: 0 });
const app = instrumentHotPath(
  new Elysia().post("/enrich", async ({ request }) => {
    await request.arrayBuffer();
    return new Response(`{"results":[${JSON.stringify(await handle())}]}`, { headers: { "content-type": "application/json" } });
  }),
  hub.tracker,
).listen({ port: 0, hostname: "127.0.0.1" });
const admin = createAdminApp(hub).listen({ port: 0, hostname: "127.0.0.1" });
process.stderr.write(`regime[0]: serving http://127.0.0.1:${app.server!.port} (regime ${regime}, work ${work} ms); admin http://127.0.0.1:${admin.server!.port}\n`);
process.on("SIGTERM", () => process.exit(0));
