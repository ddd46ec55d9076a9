/**
 * The audit stage of every variant that writes the audit log (the io-*
 * rungs), against a real redis-server started for the process on the other
 * core than the benchmark's, at the batch sizes of the three mixes. One op is
 * one answered batch's entries written and acknowledged:
 *
 *   Audit   stages.audit, then (for the batched writers) until the writer has
 *           flushed them, at once (flushMs 0): the JS thread's encoding and
 *           Redis's work, end to end
 *
 * Each op checks that Redis acknowledged exactly the batch's entries. Skipped
 * where redis-server is not installed.
 */
import { availableParallelism } from "node:os";
import { DEFAULT_LIMITS } from "../../src/config.ts";
import { openAudit, type AuditSink } from "../../src/audit/sink.ts";
import { VARIANTS } from "../../src/enrich/registry.ts";
import { type EnrichContext, type Variant, writesAudit } from "../../src/enrich/variant.ts";
import { HAS_REDIS, type RunningRedis, startRedis } from "../../scripts/lib/redis-server.ts";
import { expectEqual, type BenchSpec, type Prepared } from "../harness/spec.ts";
import { SIZES, benchIndex, requestBatch } from "./fixtures.ts";

let redis: Promise<RunningRedis> | null = null;
/** One redis-server per benchmark process, on the last CPU (the rounds run the benchmark on the first). */
function sharedRedis(): Promise<RunningRedis> {
  const cpus = availableParallelism();
  // startRedis reaps it when this process exits.
  redis ??= startRedis({ prefix: cpus > 1 && Bun.which("taskset") ? ["taskset", "-c", String(cpus - 1)] : [] });
  return redis;
}

let streams = 0;

async function prepare(v: Variant, size: number): Promise<Prepared> {
  const r = await sharedRedis();
  const stream = `bench:${v.name}:${size}:${++streams}`;
  const sink: AuditSink = await openAudit({ url: r.url, stream }, () => {}, { flushMs: 0 });
  const batch = requestBatch(size);
  const ctx: EnrichContext = { index: benchIndex(), limits: DEFAULT_LIMITS, audit: { sink, requestId: "bench", arrivedMs: Date.now() } };
  const results = await v.stages.enrichBatch(batch.req, ctx);
  const log = sink.log;
  return {
    async run() {
      const before = log.counts.written;
      await v.stages.audit(batch.req, results, ctx);
      await sink.drained();
      return log.counts.written - before;
    },
    check: (got) => expectEqual("entries acknowledged by Redis per op", got, size),
    dispose() {
      void sink.close(performance.now()).then(async () => (await r.client()).send("DEL", [stream]));
    },
  };
}

export function benches(): BenchSpec[] {
  if (!HAS_REDIS) return [];
  const out: BenchSpec[] = [];
  for (const v of VARIANTS.values()) {
    if (!writesAudit(v)) continue;
    for (const size of SIZES) out.push({ name: `Audit/variant=${v.name}/size=${size}`, variant: v.name, batch: 1, prepare: () => prepare(v, size) });
  }
  return out;
}
