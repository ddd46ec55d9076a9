/**
 * Times one prepared benchmark with mitata's measuring core, every setting
 * pinned (the library's adaptive defaults can switch between batched and
 * unbatched timing from one run to the next, which makes runs incomparable).
 */
import { measure, do_not_optimize } from "mitata";
import type { BenchSpec, Prepared } from "./spec.ts";
import { allocPerOp } from "./alloc.ts";

/** The pinned measuring settings; only the time budget and batch size vary, both explicitly. */
export const PINNED = Object.freeze({
  /** mitata keeps sampling until both minimums are met (4: whole-batch ops of the slow variants take 0.5 s each). */
  min_samples: 4,
  max_samples: 1e9,
  /** Always take the warmup path (the default skips it for calls over 500 µs) ... */
  warmup_threshold: Infinity,
  warmup_samples: 2,
  /** ... and decide batching by the spec, never by the warmup's timing. */
  batch_unroll: 4,
  /** Drop the 2 fastest and 2 slowest samples only when there are more than this. */
  samples_threshold: 12,
  inner_gc: false,
  heap: false,
});

/** Explicit JIT warmup before timing: this many calls or this long, whichever ends first. */
export const WARMUP_CALLS = 2000;
export const WARMUP_MS = 200;

export interface Measurement {
  /** Operations timed. */
  iters: number;
  /** Mean ns per operation over mitata's (trimmed) samples. */
  meanNs: number;
  /** Median ns per operation over mitata's samples. */
  medianNs: number;
  /** Bytes allocated per operation (see alloc.ts), if measured. */
  bytesPerOp?: number;
}

export async function measureBench(spec: BenchSpec, p: Prepared, opts: { minCpuNs: number; alloc: boolean }): Promise<Measurement> {
  if (spec.batch !== 1 && (spec.batch < 4 || spec.batch % PINNED.batch_unroll !== 0)) throw new Error(`${spec.name}: batch must be 1 or a multiple of 4, got ${spec.batch}`);
  const first = p.run();
  const isAsync = first instanceof Promise;
  p.check(isAsync ? await first : first);

  const t0 = performance.now();
  for (let i = 0; i < WARMUP_CALLS && performance.now() - t0 < WARMUP_MS; i++) {
    if (isAsync) await p.run();
    else p.run();
  }

  const run = p.run;
  const fn = isAsync ? async () => do_not_optimize(await run()) : () => do_not_optimize(run());
  const stats = await measure(fn, {
    ...PINNED,
    min_cpu_time: opts.minCpuNs,
    batch_samples: spec.batch === 1 ? 1 : spec.batch,
    batch_threshold: spec.batch === 1 ? -Infinity : Infinity,
  } as unknown as Parameters<typeof measure>[1]);

  // The answer after timing must still be right.
  const last = run();
  p.check(isAsync ? await last : last);
  const bytesPerOp = opts.alloc ? await allocPerOp(run, isAsync) : undefined;
  return { iters: stats.ticks, meanNs: stats.avg, medianNs: stats.p50, bytesPerOp };
}
