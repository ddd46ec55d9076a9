/**
 * Usage: bun --cpu-prof --cpu-prof-dir DIR bench/gate/profile-workload.ts [--ms 1500] [--variant v0] [--size 100]
 *
 * The CI gate's fixed benchmark for its CPU-profile check: the whole
 * request without a socket (`app.handle(POST /enrich)` on the Elysia app of
 * src/http/app.ts, as the Handler micro-benchmark runs it) on the bench
 * index, one batch after another for --ms of wall time after a short
 * warmup. Run in each side's checkout; bun's own --cpu-prof records it, so
 * the profiler is the same on both sides whatever src/admin/ does.
 */
import { cli } from "../../src/cli/args.ts";
import { getVariant } from "../../src/enrich/registry.ts";
import { createApp } from "../../src/http/app.ts";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { OWN_SUITES_DIR } from "../harness/round.ts";

type Fixtures = typeof import("../suites/fixtures.ts");
/** The copied fixtures, or in a worktree of a revision that lacks their imports, the revision's own (worktree.ts). */
async function fixtures(): Promise<Fixtures> {
  try {
    return await import("../suites/fixtures.ts");
  } catch (e) {
    const own = join(OWN_SUITES_DIR, "fixtures.ts");
    if (!existsSync(own)) throw e;
    return (await import(own)) as Fixtures;
  }
}
const { benchIndex, requestBatch } = await fixtures();

const o = cli(process.argv.slice(2), "Usage: bun --cpu-prof --cpu-prof-dir DIR bench/gate/profile-workload.ts [flags]", {
  ms: { kind: "number", help: "wall time of the measured loop, ms", default: 1500 },
  warmup: { kind: "number", help: "wall time of the warmup loop, ms", default: 300 },
  variant: { kind: "string", help: "pipeline variant", default: "v0" },
  size: { kind: "number", help: "events per request", default: 100 },
});

const app = createApp({ index: benchIndex(), variant: getVariant(o.variant) });
const body = requestBatch(o.size).text;
const init = { method: "POST", headers: { "content-type": "application/json" } };
let requests = 0;
async function loop(ms: number): Promise<void> {
  for (const end = performance.now() + ms; performance.now() < end; ) {
    const res = await app.handle(new Request("http://bench.local/enrich", { ...init, body }));
    if (res.status !== 200) throw new Error(`handler answered ${res.status}: ${await res.text()}`);
    await res.text();
    requests++;
  }
}
await loop(o.warmup);
requests = 0;
await loop(o.ms);
process.stdout.write(`${JSON.stringify({ requests, ms: o.ms })}\n`);
