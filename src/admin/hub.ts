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
import { NO_REQUEST_ROUTE, RequestLabeler } from "./request-labels.ts";
import { segments } from "./segments.ts";

export interface HubOptions {
  blockProfileRate: number;
  mutexProfileFraction: number;
  variant: string;
  workerId: number;
  /** --profile-label-attr: the attr whose value labels each request's CPU samples and block stalls. */
  labelAttr?: string;
  /** Enables POST /debug/pprof/selftest/block (tests); default: env ENRICH_ADMIN_SELFTEST=1. */
  selftest?: boolean;
}

export interface Rates {
  /** Block profiling threshold, ms (0 = off). */
  block: number;
  /** Mutex profiling: 1 in N contentions with a stack (0 = off). */
  mutex: number;
}

export type RateName = keyof Rates;
const RATE_NAMES: readonly RateName[] = ["block", "mutex"];

export interface RatesState extends Rates {
  /** When the first open window reverts (epoch ms), and what each windowed rate reverts to. */
  revertAt?: number;
  revertTo?: Partial<Rates>;
}

interface RateWindow {
  /** Epoch ms when the window ends. */
  at: number;
  /** The value the rate returns to. */
  to: number;
}

export interface SavedRate {
  value: number;
  window?: RateWindow;
}

export type AdminHub = ReturnType<typeof createAdminHub>;

export function createAdminHub(o: HubOptions) {
  const labeler = new RequestLabeler({ variant: o.variant, attr: o.labelAttr });
  const tracker = new RequestTracker(labeler);
  // Samples no request's segment covers still say which process variant they came from.
  segments.unattributed = labeler.arrived(NO_REQUEST_ROUTE);
  const gc = new GcWatcher().start();
  const block = new BlockProfiler();
  const mutex = new MutexProfiler();
  const metrics = createMetrics({ tracker, gc, mutex, block, variant: o.variant, workerId: o.workerId });
  // Each rate has its own window, so a block window and a mutex window can overlap without undoing each other.
  const windows: Partial<Record<RateName, RateWindow & { timer: ReturnType<typeof setTimeout> }>> = {};

  const current = (): Rates => ({ block: block.rate, mutex: mutex.rate });
  const applyRate = (k: RateName, v: number) => (k === "block" ? block.setRate(v) : mutex.setFraction(v));
  const apply = (r: Partial<Rates>) => {
    for (const k of RATE_NAMES) if (r[k] !== undefined) applyRate(k, r[k]);
  };

  function clearWindow(k: RateName): void {
    const w = windows[k];
    if (w) clearTimeout(w.timer);
    delete windows[k];
  }

  function arm(k: RateName, to: number, at: number): void {
    const timer = setTimeout(() => {
      delete windows[k];
      applyRate(k, to);
    }, Math.max(0, at - Date.now()));
    timer.unref?.();
    windows[k] = { timer, at, to };
  }

  /**
   * setRates changes the given rates now; with `seconds`, only for that
   * window, after which each comes back to what it was before its first
   * still-open window.
   */
  function setRates(r: Partial<Rates>, seconds?: number): RatesState {
    for (const k of RATE_NAMES) {
      const v = r[k];
      if (v === undefined) continue;
      const before = windows[k]?.to ?? current()[k];
      clearWindow(k);
      applyRate(k, v);
      if (seconds && seconds > 0) arm(k, before, Date.now() + seconds * 1000);
    }
    return rates();
  }

  /** saveRate captures one rate and its open window, for restoreRate after a temporary change. */
  function saveRate(k: RateName): SavedRate {
    const w = windows[k];
    return { value: current()[k], ...(w ? { window: { at: w.at, to: w.to } } : {}) };
  }

  /** restoreRate puts one rate back as saved, re-arming its window for the time left (or finishing it). */
  function restoreRate(k: RateName, saved: SavedRate): void {
    clearWindow(k);
    applyRate(k, saved.value);
    if (!saved.window) return;
    if (saved.window.at <= Date.now()) applyRate(k, saved.window.to);
    else arm(k, saved.window.to, saved.window.at);
  }

  function rates(): RatesState {
    const open = RATE_NAMES.filter((k) => windows[k]);
    if (open.length === 0) return current();
    return { ...current(), revertAt: Math.min(...open.map((k) => windows[k]!.at)), revertTo: Object.fromEntries(open.map((k) => [k, windows[k]!.to])) };
  }

  apply({ block: o.blockProfileRate, mutex: o.mutexProfileFraction });
  return {
    tracker,
    gc,
    block,
    mutex,
    metrics,
    setRates,
    saveRate,
    restoreRate,
    rates,
    variant: o.variant,
    workerId: o.workerId,
    selftest: o.selftest ?? process.env.ENRICH_ADMIN_SELFTEST === "1",
    /** Called once a heap snapshot has been sent: start.ts recycles a supervised worker (heap.ts: the GC cost a snapshot leaves). */
    afterHeapSnapshot: undefined as (() => void) | undefined,
  };
}
