/**
 * /debug/pprof/block: where the event loop was blocked. Go's block profile
 * counts goroutines waiting on channels and locks; a Bun service has one
 * thread, and what blocks it is a long synchronous task. So with rate N ms,
 * every stall of at least N ms is recorded with the stacks the shared sampler
 * caught while it lasted (the delay is split across them), plus the
 * loop-delay histogram over the same period. Each stack carries the pprof
 * labels of the request its samples were taken in (segments.ts), so
 * `-tagfocus=batch=fat` shows the stalls fat requests caused.
 */
import { type LoopDelayReader, LOOP_DELAY_RESOLUTION_MS, openLoopDelayReader } from "./loop-delay.ts";
import type { Frame } from "./pprof.ts";
import { drain, labelsOf, type StackSample, subscribe } from "./sampler.ts";
import { StackCounts } from "./stack-counts.ts";
import { type Stall, watchStalls } from "./stalls.ts";

export const BLOCK_SPEC = { sampleTypes: [["stalls", "count"], ["delay", "nanoseconds"]] as [string, string][], defaultSampleType: 1 };

/** Samples older than this are dropped from the ring: a stall's stacks are looked up right after it ends. */
const KEEP_SAMPLES_MS = 5_000;
const NO_SAMPLES: Frame[] = [{ name: "(no JS sampled: native code, GC or a stall shorter than the sampling interval)", file: "", line: 0 }];

export interface BlockStall extends Stall {
  stacks: number;
}

/**
 * blockSampleIntervalMs: the sampler interval block profiling asks for, at
 * least 4 samples inside a stall of exactly the threshold (longer stalls, the
 * ones that matter, get more). Each sample costs the JS thread a suspend and
 * a stack walk, and its frames must be materialised: faster buys little.
 */
export function blockSampleIntervalMs(rateMs: number): number {
  return Math.min(10, Math.max(1, rateMs / 4));
}

export class BlockProfiler {
  readonly counts = new StackCounts();
  /** The most recent stalls (for ?format=json and the trace). */
  readonly recent: BlockStall[] = [];
  private thresholdMs = 0;
  private ring: StackSample[] = [];
  private stopWatch: (() => void) | null = null;
  private stopSampling: (() => void) | null = null;
  private hist: LoopDelayReader | null = null;
  private since = 0;

  get rate(): number {
    return this.thresholdMs;
  }

  /** setRate: record stalls ≥ rateMs (0 turns block profiling off and stops its sampler and timer). */
  setRate(rateMs: number): void {
    const rate = Math.max(0, rateMs);
    if (rate === this.thresholdMs) return;
    this.stopWatch?.();
    this.stopSampling?.();
    this.hist?.close();
    this.stopWatch = this.stopSampling = this.hist = null;
    this.ring = [];
    this.thresholdMs = rate;
    if (rate === 0) return;
    this.stopSampling = subscribe(blockSampleIntervalMs(rate), (batch) => {
      for (const s of batch) this.ring.push(s);
      const cut = performance.now() - KEEP_SAMPLES_MS;
      let drop = 0;
      while (drop < this.ring.length && this.ring[drop]!.t < cut) drop++;
      if (drop) this.ring.splice(0, drop);
    });
    this.stopWatch = watchStalls(rate, (s) => this.record(s));
    this.hist = openLoopDelayReader();
    this.since = performance.now();
  }

  private record(stall: Stall): void {
    drain();
    const inside = this.ring.filter((s) => s.t > stall.start && s.t <= stall.end);
    const delayNs = stall.delayMs * 1e6;
    if (inside.length === 0) this.counts.add(NO_SAMPLES, [1, delayNs]);
    const groups = new Map<string, { frames: Frame[]; labels: StackSample["labels"]; n: number }>();
    const labelKey = new Map<object, string>();
    for (const s of inside) {
      const labels = labelsOf(s);
      let lk = "";
      if (labels) {
        lk = labelKey.get(labels) ?? JSON.stringify(labels);
        labelKey.set(labels, lk);
      }
      const key = s.frames.map((f) => `${f.name}@${f.file}:${f.line}`).join("|") + lk;
      const g = groups.get(key);
      if (g) g.n++;
      else groups.set(key, { frames: s.frames, labels, n: 1 });
    }
    for (const g of groups.values()) this.counts.add(g.frames, [1, (delayNs * g.n) / inside.length], g.labels);
    this.recent.push({ ...stall, stacks: inside.length });
    if (this.recent.length > 1000) this.recent.splice(0, this.recent.length - 1000);
  }

  /** histogram summarises loop delay (ms) since block profiling was turned on. */
  histogram(): Record<string, number> | null {
    const h = this.hist?.histogram;
    if (!h || h.totalCount === 0) return null;
    const ms = (ns: number) => Math.round(ns / 1e4) / 100;
    const p = (q: number) => ms(h.getValueAtPercentile(q));
    return { count: h.totalCount, min: ms(h.minNonZeroValue), p50: p(50), p90: p(90), p99: p(99), p999: p(99.9), max: ms(h.maxValue), mean: ms(h.mean), windowMs: Math.round(performance.now() - this.since) };
  }

  profile(base?: ReturnType<StackCounts["snapshot"]>, durationMs = 0): Uint8Array {
    const comments: string[] = [];
    if (this.thresholdMs === 0) comments.push("block profiling is off: start with --block-profile-rate N or POST /debug/pprof/rates?block=N");
    else comments.push(`stalls ≥ ${this.thresholdMs} ms; delay is split across the stacks sampled during each stall`);
    const h = this.histogram();
    if (h) comments.push(`event-loop delay ms (resolution ${LOOP_DELAY_RESOLUTION_MS} ms): ${Object.entries(h).map(([k, v]) => `${k}=${v}`).join(" ")}`);
    return this.counts.toPprof({ ...BLOCK_SPEC, periodType: ["delay", "nanoseconds"], period: Math.round(this.thresholdMs * 1e6), durationNanos: durationMs * 1e6, comments }, base);
  }
}

/** injectedLongTask busy-waits `ms` on the event loop: the block profile's self-test (ENRICH_ADMIN_SELFTEST=1). */
export function injectedLongTask(ms: number): number {
  const until = performance.now() + ms;
  let spins = 0;
  while (performance.now() < until) spins++;
  return spins;
}
