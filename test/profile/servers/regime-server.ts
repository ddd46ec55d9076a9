/**
 * Usage: bun test/profile/servers/regime-server.ts --regime cpu|gc|lock|io [--work MS]
 *
 * A purpose-made server whose bottleneck is known, for the doctor's tests: the
 * real admin port (src/admin: profiles, /metrics) over a POST /enrich that
 *   cpu   burns --work ms of CPU per request
 *   gc    allocates and churns a retained object graph (the collector's work dominates)
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

/** A retained graph the gc regime keeps rewriting, so every cycle has live objects to trace and old ones to free. */
const retained: { id: number; tags: string[]; next: unknown }[] = [];
const RETAINED = Number(process.env.REGIME_RETAINED ?? 50_000);
const CHURN = Number(process.env.REGIME_CHURN ?? 4000);
function churnHeap(): number {
  let n = 0;
  for (let i = 0; i < CHURN; i++) {
    const slot = (Math.random() * RETAINED) | 0;
    retained[slot] = { id: i, tags: [`t${i}`, `u${slot}`], next: { a: [i, i + 1, i + 2], s: `x${i}` } };
    n += retained.length;
  }
  return n;
}
for (let i = 0; i < RETAINED; i++) retained.push({ id: i, tags: [], next: null });

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
