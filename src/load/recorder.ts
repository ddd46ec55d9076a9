/**
 * The accounting of one run. It is told, with explicit timestamps (ms after
 * t0), when each request became due, was sent and ended; it owns the
 * histograms, the outcome counts and the one-second windows. It never reads a
 * clock, so tests drive it with exact, known times.
 */
import { newHistogram, recordMs, summarize, type Histogram, type HistogramName, type LatencySummary } from "./histograms.ts";

/** How every measured request ended: exactly one of these. */
export interface Counts {
  /** Requests due in the measured window. */
  scheduled: number;
  ok: number;
  httpError: number;
  /** Non-2xx responses by status code. */
  byStatus: Record<string, number>;
  timeout: number;
  /** Timeouts that never got a connection (they waited in the pool queue until their deadline). */
  timeoutUnsent: number;
  transport: number;
  /** Transport errors by kind (refused, closed, protocol, ...). */
  byKind: Record<string, number>;
}

/** One window of the measured period (by default one second). */
export interface WindowStats {
  index: number;
  /** Start, ms after the measured period began. */
  startMs: number;
  lengthMs: number;
  /** Requests whose intended start falls in the window. */
  scheduled: number;
  /** Measured requests actually written in the window. */
  sent: number;
  /** Measured requests that ended (any outcome) in the window. */
  completed: number;
  errors: number;
  /** Corrected-latency p99 of responses completed in the window, ms. */
  p99: number;
  /** CPU of the generator's JS thread over the window, in cores (1 = a full core); NaN if unknown. */
  cpuThread: number;
  /** CPU of the whole process over the window, in cores. */
  cpuProcess: number;
}

const emptyCounts = (): Counts => ({ scheduled: 0, ok: 0, httpError: 0, byStatus: {}, timeout: 0, timeoutUnsent: 0, transport: 0, byKind: {} });

/** Total of the four outcomes; equals `scheduled` once a run has drained. */
export const ended = (c: Counts) => c.ok + c.httpError + c.timeout + c.transport;

export class Recorder {
  readonly hist: Record<HistogramName, Histogram> = {
    corrected: newHistogram(),
    service: newHistogram(),
    sendLag: newHistogram(),
    scheduleLag: newHistogram(),
  };
  /** Measured requests. */
  readonly counts = emptyCounts();
  /** Warmup requests: run and accounted, but kept out of every histogram. */
  readonly warmup = emptyCounts();
  readonly windows: WindowStats[] = [];
  /** Values that fell outside the histogram bounds and were clamped. */
  clamped = 0;
  /** Measured requests written inside the measured period (the achieved rate's numerator). */
  sentInWindow = 0;
  /** Measured responses that arrived inside the measured period. */
  respondedInWindow = 0;
  readonly windowCount: number;
  private readonly scheduledW: Float64Array;
  private readonly sentW: Float64Array;
  private readonly completedW: Float64Array;
  private readonly errorsW: Float64Array;
  private readonly windowHist = newHistogram();

  constructor(
    /** Start of the measured period, ms after t0 (the warmup length). */
    readonly measureStart: number,
    /** End of the measured period, ms after t0. */
    readonly measureEnd: number,
    readonly windowMs = 1000,
  ) {
    this.windowCount = Math.max(1, Math.ceil((measureEnd - measureStart) / windowMs));
    this.scheduledW = new Float64Array(this.windowCount);
    this.sentW = new Float64Array(this.windowCount);
    this.completedW = new Float64Array(this.windowCount);
    this.errorsW = new Float64Array(this.windowCount);
  }

  /** True when a request with this intended start belongs to the measured period. */
  measured(intended: number): boolean {
    return intended >= this.measureStart && intended < this.measureEnd;
  }

  /** Index of the window holding time t, or −1 outside the measured period. */
  windowOf(t: number): number {
    if (t < this.measureStart || t >= this.measureEnd) return -1;
    return Math.min(this.windowCount - 1, Math.floor((t - this.measureStart) / this.windowMs));
  }

  /** The request became due; `at` is the tick that found it due. */
  due(intended: number, at: number): void {
    if (!this.measured(intended)) {
      this.warmup.scheduled++;
      return;
    }
    this.counts.scheduled++;
    this.scheduledW[this.windowOf(intended)]!++;
    this.rec("scheduleLag", at - intended);
  }

  /** The request's bytes were written at `at`. */
  sent(intended: number, at: number): void {
    if (!this.measured(intended)) return;
    this.rec("sendLag", at - intended);
    const w = this.windowOf(at);
    if (w >= 0) {
      this.sentW[w]!++;
      this.sentInWindow++;
    }
  }

  /** A whole response arrived at `at`. */
  response(intended: number, sentAt: number, at: number, status: number): void {
    const c = this.measured(intended) ? this.counts : this.warmup;
    const ok = status >= 200 && status < 300;
    if (ok) c.ok++;
    else {
      c.httpError++;
      c.byStatus[status] = (c.byStatus[status] ?? 0) + 1;
    }
    if (c === this.warmup) return;
    this.rec("corrected", at - intended);
    this.rec("service", at - sentAt);
    recordMs(this.windowHist, at - intended);
    this.ended(at, !ok);
    if (this.windowOf(at) >= 0) this.respondedInWindow++;
  }

  /**
   * The request passed its deadline (intended + timeout) at `at`; `sentAt` is
   * NaN when it never got a connection. Its corrected latency is recorded as
   * a lower bound, so a stall longer than the timeout still shows.
   */
  timeout(intended: number, sentAt: number, at: number): void {
    const c = this.measured(intended) ? this.counts : this.warmup;
    c.timeout++;
    if (Number.isNaN(sentAt)) c.timeoutUnsent++;
    if (c === this.warmup) return;
    this.rec("corrected", at - intended);
    this.ended(at, true);
  }

  /** The request failed below HTTP (refused, reset, closed, unparseable); no latency is recorded. */
  transportError(intended: number, at: number, kind: string): void {
    const c = this.measured(intended) ? this.counts : this.warmup;
    c.transport++;
    c.byKind[kind] = (c.byKind[kind] ?? 0) + 1;
    if (c === this.warmup) return;
    this.ended(at, true);
  }

  /**
   * Closes window `index` (its length: shorter for the last one or a stopped
   * run) with the CPU measured over it, and returns its stats. Called once per
   * window, in order, after its end has passed.
   */
  closeWindow(index: number, lengthMs: number, cpuThread: number, cpuProcess: number): WindowStats {
    const w: WindowStats = {
      index,
      startMs: index * this.windowMs,
      lengthMs,
      scheduled: this.scheduledW[index]!,
      sent: this.sentW[index]!,
      completed: this.completedW[index]!,
      errors: this.errorsW[index]!,
      p99: this.windowHist.totalCount ? Math.round(this.windowHist.getValueAtPercentile(99)) / 1000 : 0,
      cpuThread,
      cpuProcess,
    };
    this.windowHist.reset();
    this.windows.push(w);
    return w;
  }

  /** Summaries of all four histograms, in ms. */
  latency(): Record<HistogramName, LatencySummary> {
    return {
      corrected: summarize(this.hist.corrected),
      service: summarize(this.hist.service),
      sendLag: summarize(this.hist.sendLag),
      scheduleLag: summarize(this.hist.scheduleLag),
    };
  }

  private ended(at: number, error: boolean): void {
    const w = this.windowOf(at);
    if (w < 0) return;
    this.completedW[w]!++;
    if (error) this.errorsW[w]!++;
  }

  private rec(name: HistogramName, ms: number): void {
    if (recordMs(this.hist[name], ms)) this.clamped++;
  }
}
