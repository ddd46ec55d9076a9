/**
 * The admin side of one service process: request tracking, GC watching, the
 * block and mutex profilers, metrics, and the profiling rates (with windowed
 * changes that revert by themselves). start.ts builds one and hands its
 * tracker to the hot-path app as the RequestObserver.
 */
import { BlockProfiler } from "./block.ts";
import { GcWatcher } from "./gc.ts";
import { createMetrics } from "./metrics.ts";
import { MutexProfiler } from "./mutex.ts";
import { RequestTracker } from "./requests.ts";

export interface HubOptions {
  blockProfileRate: number;
  mutexProfileFraction: number;
  variant: string;
  workerId: number;
  /** Enables POST /debug/pprof/selftest/block (tests); default: env ENRICH_ADMIN_SELFTEST=1. */
  selftest?: boolean;
}

export interface Rates {
  /** Block profiling threshold, ms (0 = off). */
  block: number;
  /** Mutex profiling: 1 in N contentions with a stack (0 = off). */
  mutex: number;
}

export interface RatesState extends Rates {
  /** When a windowed change reverts (epoch ms), and to what. */
  revertAt?: number;
  revertTo?: Rates;
}

export type AdminHub = ReturnType<typeof createAdminHub>;

export function createAdminHub(o: HubOptions) {
  const tracker = new RequestTracker();
  const gc = new GcWatcher().start();
  const block = new BlockProfiler();
  const mutex = new MutexProfiler();
  const metrics = createMetrics({ tracker, gc, mutex, block, variant: o.variant, workerId: o.workerId });
  let revert: { timer: ReturnType<typeof setTimeout>; at: number; to: Rates } | null = null;

  const current = (): Rates => ({ block: block.rate, mutex: mutex.rate });
  const apply = (r: Partial<Rates>) => {
    if (r.block !== undefined) block.setRate(r.block);
    if (r.mutex !== undefined) mutex.setFraction(r.mutex);
  };

  /**
   * setRates changes the rates now; with `seconds`, only for that window, after
   * which the rates in force before the (first) windowed change come back.
   */
  function setRates(r: Partial<Rates>, seconds?: number): RatesState {
    const before = revert?.to ?? current();
    if (revert) clearTimeout(revert.timer);
    revert = null;
    apply(r);
    if (seconds && seconds > 0) {
      const timer = setTimeout(() => {
        revert = null;
        apply(before);
      }, seconds * 1000);
      timer.unref?.();
      revert = { timer, at: Date.now() + seconds * 1000, to: before };
    }
    return rates();
  }

  /** restoreRates puts back a state read earlier with rates(), re-arming its pending revert for the time left. */
  function restoreRates(s: RatesState): RatesState {
    setRates({ block: s.block, mutex: s.mutex });
    if (s.revertAt && s.revertTo) {
      const left = (s.revertAt - Date.now()) / 1000;
      if (left <= 0) setRates(s.revertTo);
      else {
        const to = s.revertTo;
        const timer = setTimeout(() => {
          revert = null;
          apply(to);
        }, left * 1000);
        timer.unref?.();
        revert = { timer, at: s.revertAt, to };
      }
    }
    return rates();
  }

  function rates(): RatesState {
    return { ...current(), ...(revert ? { revertAt: revert.at, revertTo: revert.to } : {}) };
  }

  apply({ block: o.blockProfileRate, mutex: o.mutexProfileFraction });
  return {
    tracker,
    gc,
    block,
    mutex,
    metrics,
    setRates,
    restoreRates,
    rates,
    variant: o.variant,
    workerId: o.workerId,
    selftest: o.selftest ?? process.env.ENRICH_ADMIN_SELFTEST === "1",
  };
}
