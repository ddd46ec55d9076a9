/**
 * Usage: bun scripts/profile/calibrate/labelled-cost-server.ts [--unit-ms N] [--after-io]
 *
 * The pprof labels' calibration target: the real hot-path app (createApp,
 * the request tracker's marks, the admin hub with --profile-label-attr
 * tenant) in front of a purpose-made variant whose cost per request type is
 * fixed by construction. A thin batch (≤ PROFILE_LABELS.thinMaxEvents events)
 * burns THIN_UNITS units of pure-JS work, a fat one FAT_UNITS, synchronously
 * inside the handler, as a real variant's work is; body reading, JSON parse
 * and validation are the app's own. GET /truth on its own port reports the
 * JS thread's on-CPU nanoseconds spent burning, by batch class and by the
 * first event's `tenant` attr, read from the kernel's clock around each burn,
 * never from the sampler under test. A profile's share for `batch=fat` should
 * match truth.byBatch.fat over the sum, within a few points.
 *
 * --after-io awaits a real fs stat before the burn, so the burn runs in a
 * continuation another native callback resumes, with no mark of its own: the
 * case segments.ts cannot see (docs/profiling.md, "pprof labels").
 *
 * Ready line: `serving http://H:P ...; admin http://H:P; truth http://H:P`.
 */
import * as jsc from "bun:jsc";
import { stat } from "node:fs/promises";
import { cli, fail } from "../../../src/cli/args.ts";
import { createAdminApp } from "../../../src/admin/server.ts";
import { createAdminHub } from "../../../src/admin/hub.ts";
import { instrumentHotPath } from "../../../src/admin/requests.ts";
import { batchClass } from "../../../src/admin/request-labels.ts";
import { threadCpu, threadCpuNs } from "../../../src/admin/thread-cpu.ts";
import type { EnrichRequest, Variant } from "../../../src/enrich/variant.ts";
import { createApp } from "../../../src/http/app.ts";
import type { Index } from "../../../src/index/contract.ts";

/** Units of work per request by batch class: a fat batch costs FAT_UNITS / THIN_UNITS times a thin one. */
const THIN_UNITS = 1;
const FAT_UNITS = 4;
/** The attr the server labels by (--profile-label-attr). */
const LABEL_ATTR = "tenant";

const USAGE = `Usage: bun scripts/profile/calibrate/labelled-cost-server.ts [--unit-ms N] [--after-io]

The pprof labels' calibration target (scripts/profile/calibrate/labels.ts):
the hot-path app with --profile-label-attr tenant in front of a variant that
burns ${THIN_UNITS} unit for a thin batch and ${FAT_UNITS} for a fat one; GET on the truth
port reports the burn's on-CPU ns by batch class and tenant.`;
const values = cli(process.argv.slice(2), USAGE, {
  "unit-ms": { kind: "number", help: "on-CPU milliseconds of one unit of work", default: 2 },
  "after-io": { kind: "boolean", help: "burn after an awaited fs stat (a continuation no mark covers)" },
});
const unitMs = values["unit-ms"];
if (!(unitMs > 0 && unitMs <= 50)) fail(`--unit-ms: expected a number in (0, 50], got ${unitMs}`);

/**
 * Pure-JS work the JIT keeps inline (int32 xorshift; see known-cost-server.ts
 * for why not float math). burnThin and burnFat are separate functions, so
 * the profile also says by stack which request type a sample worked for.
 */
function burnThin(iterations: number): number {
  let x = 2_463_534_242;
  for (let i = 0; i < iterations; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
  }
  return x;
}
function burnFat(iterations: number): number {
  let x = 88_675_123;
  for (let i = 0; i < iterations; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
  }
  return x;
}
const { noInline } = jsc as unknown as { noInline(f: (...args: never[]) => unknown): void };
for (const f of [burnThin, burnFat]) noInline(f);

/** Iterations per unit, from a short measurement on this thread's CPU clock (warms the JIT too). */
function iterationsPerUnit(): number {
  let n = 200_000;
  for (;;) {
    const t0 = threadCpuNs();
    burnThin(n);
    burnFat(n);
    const ns = (threadCpuNs() - t0) / 2;
    if (ns > 20e6) return Math.max(1, Math.round((n * unitMs * 1e6) / ns));
    n *= 2;
  }
}
const UNIT = iterationsPerUnit();

const truth = { byBatch: { thin: 0, default: 0, fat: 0 } as Record<string, number>, byTenant: {} as Record<string, number>, requests: { thin: 0, default: 0, fat: 0 } as Record<string, number> };

const variant = {
  name: "labelled-cost",
  parent: null,
  change: "calibration target: a known cost per batch class",
  parseBody: JSON.parse,
  validation: "schema",
  respond(req: EnrichRequest): string | Promise<string> {
    return values["after-io"] ? stat(import.meta.path).then(() => burn(req)) : burn(req);
  },
  stages: {},
} as unknown as Variant;

function burn(req: EnrichRequest): string {
  const cls = batchClass(req.events.length);
  const tenant = req.events[0]?.attrs?.[LABEL_ATTR] ?? "(unset)";
  const before = threadCpuNs();
  const x = cls === "fat" ? burnFat(FAT_UNITS * UNIT) : burnThin(THIN_UNITS * UNIT);
  const ns = threadCpuNs() - before;
  truth.byBatch[cls]! += ns;
  truth.byTenant[tenant] = (truth.byTenant[tenant] ?? 0) + ns;
  truth.requests[cls]!++;
  return `{"results":[],"x":${x}}`;
}

// The variant reads no index; /healthz reads these fields.
const index = { impl: "ts", entries: 0, seed: 0, dir: "", mappedBytes: 0 } as unknown as Index;
const hub = createAdminHub({ blockProfileRate: 0, mutexProfileFraction: 0, variant: variant.name, workerId: 0, labelAttr: LABEL_ATTR });
const app = instrumentHotPath(createApp({ index, variant, observer: hub.tracker }), hub.tracker).listen({ port: 0, hostname: "127.0.0.1" });
const admin = createAdminApp(hub).listen({ port: 0, hostname: "127.0.0.1" });
const truthServer = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch: () => Response.json({ ...threadCpu(), ...truth, unitIterations: UNIT, unitMs, thinUnits: THIN_UNITS, fatUnits: FAT_UNITS }),
});
process.stderr.write(`labelled-cost[0]: serving http://127.0.0.1:${app.server!.port} (unit ${UNIT} iterations ≈ ${unitMs} ms); admin http://127.0.0.1:${admin.server!.port}; truth http://127.0.0.1:${truthServer.port}\n`);
process.on("SIGTERM", () => process.exit(0));
