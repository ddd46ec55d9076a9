/**
 * The live sources of a continuous window: the same capture code the admin
 * endpoints run (cpu-profile.ts, block.ts), called in-process. CPU and
 * block stalls cover the window together (one shared sampler at the CPU
 * rate: the block threshold is chosen so its sampling interval is the same);
 * the heap's sizes are read right after it (heap-sizes.ts: heap statistics,
 * not the endpoint's snapshot, which is too costly to take every period).
 */
import { captureCpu, cpuBusy, cpuToPprof } from "../cpu-profile.ts";
import { heapSizesPprof } from "./heap-sizes.ts";
import { windowOpen } from "../sampler.ts";
import { yieldToLoop } from "./schedule.ts";
import type { AdminHub } from "../hub.ts";
import type { Kind } from "./files.ts";

/** One kind's result: its pprof bytes, or why there is none this time. */
export interface KindResult {
  kind: Kind;
  bytes?: Uint8Array;
  error?: string;
}

export interface Sources {
  /** capture covers `windowMs` of the process (returning when it has passed) and folds every kind asked for. */
  capture(windowMs: number, kinds: readonly Kind[], signal: AbortSignal): Promise<KindResult[]>;
}

/** How long a raised block rate may outlive its window if the window's own restore never runs. */
const REVERT_GRACE_S = 5;


const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
  });

export function hubSources(hub: AdminHub, o: { hz: number; blockRateMs: number; heapWalkBudgetMs: number }): Sources {
  return {
    async capture(windowMs, kinds, signal) {
      const out: KindResult[] = [];
      const want = (k: Kind) => kinds.includes(k);
      // Block: a rate someone set is left as it is; with none, one is raised for this window only.
      const saved = want("block") && hub.block.rate === 0 ? hub.saveRate("block") : null;
      if (saved) hub.setRates({ block: o.blockRateMs }, windowMs / 1000 + REVERT_GRACE_S);
      // Stalls are told by their stacks: the window starts once the sampler is live (after a restart, ≤ its parked interval).
      await windowOpen();
      const t0 = performance.now();
      const base = want("block") ? hub.block.counts.snapshot() : null;
      try {
        if (want("cpu") && !cpuBusy()) {
          try {
            const capture = await captureCpu(windowMs / 1000, o.hz, signal);
            await yieldToLoop();
            out.push({ kind: "cpu", bytes: cpuToPprof(capture, { timeline: false }) });
          } catch (e) {
            out.push({ kind: "cpu", error: (e as Error).message });
          }
        } else {
          if (want("cpu")) out.push({ kind: "cpu", error: "a CPU profile was being read from the admin port; this window has none" });
          await sleep(windowMs, signal);
        }
        if (base) {
          const spanMs = performance.now() - t0;
          await yieldToLoop();
          out.push({ kind: "block", bytes: hub.block.profile(base, spanMs) });
        }
      } finally {
        if (saved) hub.restoreRate("block", saved);
      }
      if (want("heap")) {
        try {
          await yieldToLoop();
          out.push({ kind: "heap", bytes: heapSizesPprof({ walkBudgetMs: o.heapWalkBudgetMs }) });
        } catch (e) {
          out.push({ kind: "heap", error: (e as Error).message });
        }
      }
      return out;
    },
  };
}
