/**
 * Bytes allocated per operation, as far as Bun lets a program see them.
 *
 * Two counters, read around a window of K back-to-back operations in which no
 * garbage collection ran:
 *   - the JSC GC heap's capacity (process.memoryUsage().heapTotal): every JS
 *     object, array butterfly and string cell lives there; after a full
 *     synchronous GC it only grows, in 16 KiB blocks, once the free cells the
 *     GC left are used up. In a small, fresh heap those are few (and the first
 *     window, discarded, uses them); in a long-lived, fragmented heap they can
 *     absorb every window and the probe reads 0. So it is for fresh processes:
 *     the harness runs each round in one, and its tests do too
 *     (test/bench/fixtures/alloc-probe.ts);
 *   - mimalloc's cumulative malloc_requested (bun:jsc heapStats().mimalloc):
 *     off-heap memory such as string characters, ArrayBuffer contents and
 *     runtime buffers, counted in bytes.
 * A window that saw a collection (JSC's heap size, less the extra memory
 * reported as it is allocated, changed) is thrown away and K halved. Noise from other threads only adds bytes, so the figure is the
 * least of three windows. One blind spot: a young-generation collection that
 * leaves the heap's size unchanged is not seen, and the window then undercounts
 * (seen in a full test run with a large heap: 416 B/op for ~24 KB/op). A figure
 * far below its neighbours across rounds is that, not a win. The first window after the GC is discarded too: it refills the
 * free cells the GC left in partially live blocks. The cost of the probes
 * themselves is measured on an empty operation and subtracted. K doubles until
 * the window holds ≥ 1 MiB, K reaches 65,536 or a window takes 50 ms, so the
 * error, about (16 KiB + probe jitter) / K, is under ~2 B/op for fast
 * allocation-free functions and a few percent for allocating ones. What it cannot see: memory freed
 * inside the window is still counted (this is allocation, not retention), and
 * allocations by other threads (JIT, GC helpers) during the window add noise.
 */
import { heapStats } from "bun:jsc";

const TARGET_BYTES = 1 << 20;
const MAX_K = 1 << 16;
const MAX_WINDOW_MS = 50;
const REPEATS = 3;
const REPEAT_BUDGET_MS = 100;

const heapCapacity = () => process.memoryUsage().heapTotal;

interface Counters {
  /** Cumulative bytes requested from mimalloc. */
  malloc: number;
  /**
   * JSC's heap size less its reported extra memory: constant between
   * collections (extra memory, e.g. a Response's buffers, is added as it is
   * reported), so a change means a collection ran.
   */
  collected: number;
}

function counters(): Counters {
  const s = heapStats() as unknown as { heapSize: number; extraMemorySize: number; mimalloc?: { malloc_requested?: number } };
  return { malloc: s.mimalloc?.malloc_requested ?? 0, collected: s.heapSize - s.extraMemorySize };
}

async function runK(op: () => unknown, k: number, isAsync: boolean): Promise<void> {
  if (isAsync) for (let i = 0; i < k; i++) await op();
  else for (let i = 0; i < k; i++) op();
}

// Bytes counted in the second of two windows of k ops after a full GC; undefined if a GC ran.
async function window(op: () => unknown, k: number, isAsync: boolean): Promise<number | undefined> {
  Bun.gc(true);
  const before = counters().collected;
  await runK(op, k, isAsync);
  const c1 = heapCapacity(), m1 = counters().malloc;
  await runK(op, k, isAsync);
  const c2 = heapCapacity(), after = counters();
  if (after.collected !== before) return undefined;
  return c2 - c1 + (after.malloc - m1);
}

/** allocPerOp estimates the bytes one call of `op` allocates; undefined when no GC-free window could be had. */
export async function allocPerOp(op: () => unknown, isAsync: boolean): Promise<number | undefined> {
  // Noise only ever adds bytes (other threads, JIT compiles), so the least of a few windows is the estimate.
  const least = async (f: () => unknown, k: number) => {
    let best: number | undefined;
    const t0 = performance.now();
    // Slow operations allocate far more than the noise: one window is enough for them.
    for (let i = 0; i < REPEATS && (i === 0 || performance.now() - t0 < REPEAT_BUDGET_MS); i++) {
      const b = await window(f, k, isAsync);
      if (b !== undefined) best = best === undefined ? b : Math.min(best, b);
    }
    return best;
  };
  const probe = (await least(isAsync ? async () => 0 : () => 0, 1)) ?? 0;
  let k = 1;
  for (;;) {
    const t0 = performance.now();
    const bytes = await window(op, k, isAsync);
    const tookMs = performance.now() - t0;
    if (bytes === undefined) {
      if (k === 1) return undefined;
      k >>= 1; // the previous k was GC-free
      break;
    }
    if (bytes - probe >= TARGET_BYTES || k >= MAX_K || tookMs >= MAX_WINDOW_MS) break;
    k *= 2;
  }
  const bytes = await least(op, k);
  return bytes === undefined ? undefined : Math.max(0, (bytes - probe) / k);
}
