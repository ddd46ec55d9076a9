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
  /**
   * Time in the window, ms, during which a due request waited because every
   * connection was occupied by a request the server had not answered (from
   * the waiting request's intended start): the server held the pool.
   */
  poolFullMs: number;
  /** Time in the window, ms, during which a due request waited for a connection the server had not accepted yet (no pool wait). */
  connectWaitMs: number;
  /** Responses that arrived during those waits (how fast the server answered while it held the connections). */
  heldAnswers: number;
  /** Longest time, ms, with no response at all while requests waited for the server (a wait that ends in this window). */
  longestSilenceMs: number;
  /** Measured requests that failed below HTTP (refused, reset) before any byte of them was written, by failure time. */
  unsentErrors: number;
  /** The host's worst per-CPU steal share over the window (/proc/stat: time the hypervisor gave to another guest); NaN if unknown. */
  hostSteal: number;
}

/** Why due requests were waiting: every connection held by an unanswered request, or a connect not yet accepted. */
export type HoldKind = "pool" | "connect";

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
  private readonly poolFullW: Float64Array;
  private readonly connectWaitW: Float64Array;
  private readonly heldAnswersW: Float64Array;
  private readonly silenceW: Float64Array;
  private readonly unsentErrorsW: Float64Array;
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
    this.poolFullW = new Float64Array(this.windowCount);
    this.connectWaitW = new Float64Array(this.windowCount);
    this.heldAnswersW = new Float64Array(this.windowCount);
    this.silenceW = new Float64Array(this.windowCount);
    this.unsentErrorsW = new Float64Array(this.windowCount);
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

  /**
   * The request failed below HTTP (refused, reset, closed, unparseable); no
   * latency is recorded. `unsent`: not a byte of it had been written.
   */
  transportError(intended: number, at: number, kind: string, unsent = false): void {
    const c = this.measured(intended) ? this.counts : this.warmup;
    c.transport++;
    c.byKind[kind] = (c.byKind[kind] ?? 0) + 1;
    if (c === this.warmup) return;
    this.ended(at, true);
    const w = this.windowOf(at);
    if (unsent && w >= 0) this.unsentErrorsW[w]!++;
  }

  /**
   * Due requests waited from `from` to `to` for the server (`kind` says how).
   * The span is clipped to the measured period and split across windows;
   * record a span before closing the windows it covers.
   */
  held(kind: HoldKind, from: number, to: number): void {
    const into = kind === "pool" ? this.poolFullW : this.connectWaitW;
    let a = Math.max(from, this.measureStart);
    const b = Math.min(to, this.measureEnd);
    while (a < b) {
      const w = this.windowOf(a);
      const end = Math.min(b, this.measureStart + (w + 1) * this.windowMs);
      into[w]! += end - a;
      a = end;
    }
  }

  /** A response arrived at `at` while requests waited for the server. */
  heldAnswer(at: number): void {
    const w = this.windowOf(at);
    if (w >= 0) this.heldAnswersW[w]!++;
  }

  /**
   * No response arrived from `from` to `at` while requests waited for the
   * server. Counted in the window where it ends; one that outlasts the
   * measured period counts in its last window (even if already closed).
   */
  silence(from: number, at: number): void {
    if (from >= this.measureEnd || at < this.measureStart) return;
    const w = at >= this.measureEnd ? this.windowCount - 1 : this.windowOf(at);
    const ms = at - Math.max(from, this.measureStart);
    if (ms > this.silenceW[w]!) this.silenceW[w] = ms;
    const closed = this.windows[w];
    if (closed && closed.index === w && ms > closed.longestSilenceMs) closed.longestSilenceMs = round2(ms);
  }

  /**
   * Closes window `index` (its length: shorter for the last one or a stopped
   * run) with the CPU measured over it, and returns its stats. Called once per
   * window, in order, after its end has passed.
   */
  closeWindow(index: number, lengthMs: number, cpuThread: number, cpuProcess: number, hostSteal = NaN): WindowStats {
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
      poolFullMs: round2(this.poolFullW[index]!),
      connectWaitMs: round2(this.connectWaitW[index]!),
      heldAnswers: this.heldAnswersW[index]!,
      longestSilenceMs: round2(this.silenceW[index]!),
      unsentErrors: this.unsentErrorsW[index]!,
      hostSteal,
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

const round2 = (x: number) => Math.round(x * 100) / 100;
