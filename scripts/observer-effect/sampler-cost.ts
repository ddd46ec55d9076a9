/**
 * The sampler's direct cost on the JS thread, in this process: the
 * variant's handler (minus HTTP) on one batch, in adjacent slices with the
 * shared sampler off and on.
 */
import { DEFAULT_LIMITS } from "../../src/config.ts";
import { getVariant } from "../../src/enrich/registry.ts";
import { openTsIndex } from "../../src/index/ts-index.ts";
import { subscribe } from "../../src/admin/sampler.ts";
import { blockSampleIntervalMs } from "../../src/admin/block.ts";
import { pinSelf, summarize } from "../lib/meta.ts";

export const SAMPLER_PAIRS = 30;
export const SAMPLER_SLICE_MS = 200;

/** 100 Hz is the CPU profile's default; the other is what block profiling at `blockRateMs` runs the sampler at. */
export function samplerRatesHz(blockRateMs: number): number[] {
  return [100, Math.round(1000 / blockSampleIntervalMs(blockRateMs))];
}

/**
 * Runs `respond` for `ms`, yielding to the event loop every few ms so the
 * sampler's drain timer runs as it would in the server; returns calls per second.
 */
async function handlerRate(ms: number, respond: () => unknown): Promise<number> {
  let n = 0;
  const end = performance.now() + ms;
  let nextYield = performance.now() + 5;
  while (performance.now() < end) {
    await respond();
    n++;
    if (performance.now() >= nextYield) {
      await new Promise((r) => setImmediate(r));
      nextYield = performance.now() + 5;
    }
  }
  return (n * 1000) / ms;
}

/** Pins this process to `pinPrefix`'s core (where the server ran), then measures each rate's throughput change, % per off/on pair. */
export async function measureSamplerCost(o: { variant: string; indexDir: string; body: string; blockRateMs: number; pinPrefix: string[] }): Promise<{ hz: number; deltaPct: ReturnType<typeof summarize> }[]> {
  pinSelf(o.pinPrefix);
  const variant = getVariant(o.variant);
  const ctx = { index: openTsIndex(o.indexDir, { verify: "headers" }), limits: DEFAULT_LIMITS };
  const req = JSON.parse(o.body);
  const respond = () => variant.respond(req, ctx);
  await handlerRate(1000, respond); // warm the JIT
  const out = [];
  for (const hz of samplerRatesHz(o.blockRateMs)) {
    const deltas: number[] = [];
    const sampled = async () => {
      const stop = subscribe(1000 / hz, () => {});
      const rate = await handlerRate(SAMPLER_SLICE_MS, respond);
      stop();
      await Bun.sleep(20); // let the sampler stop before an "off" slice
      return rate;
    };
    for (let i = 0; i < SAMPLER_PAIRS; i++) {
      // Alternate which slice goes first, so warm-up or GC debt does not favour either side.
      let off: number, on: number;
      if (i % 2 === 0) {
        off = await handlerRate(SAMPLER_SLICE_MS, respond);
        on = await sampled();
      } else {
        on = await sampled();
        off = await handlerRate(SAMPLER_SLICE_MS, respond);
      }
      deltas.push((on / off - 1) * 100);
    }
    out.push({ hz, deltaPct: summarize(deltas) });
    process.stderr.write(`sampler cost at ${hz} Hz: ${summarize(deltas).median.toFixed(1)}% throughput (median of ${SAMPLER_PAIRS} pairs)\n`);
  }
  return out;
}
