/**
 * The open-model engine. One global schedule (request i due at t0 + its
 * intended offset); on each timer tick everything already due is sent, or
 * queued when no connection is free, and a queued request still counts from
 * its intended start. Nothing waits for a response before sending the next.
 */
import { CpuMeter } from "./cpu.ts";
import { loadCorpus, parseTarget, type Corpus, type Target } from "./corpus.ts";
import { encode } from "./histograms.ts";
import { resolveOptions, type LoadInput, type LoadOptions } from "./options.ts";
import { NumberQueue } from "./queue.ts";
import { ended, Recorder, type HoldKind, type WindowStats } from "./recorder.ts";
import { histogramBounds, type LoadResult } from "./result.ts";
import { REAL_RUNTIME, type Runtime, type Timer } from "./runtime.ts";
import { makeSchedule, type Schedule } from "./schedule.ts";
import type { Sink, Transport } from "./transport/types.ts";
import { judge } from "./validity.ts";

/** A live view of the run, handed to onProgress. */
export interface Progress {
  phase: "warmup" | "measure" | "drain";
  /** ms since t0. */
  elapsedMs: number;
  offeredRps: number;
  /** Requests written and ended per second over the last progress interval (warmup included). */
  sentRps: number;
  doneRps: number;
  inFlight: number;
  /** Due but waiting for a free connection. */
  queued: number;
  /** Corrected-latency p99 of the measured period so far, ms. */
  p99: number;
  /** Measured requests that ended as anything but 2xx. */
  errors: number;
  connections: number;
}

export interface LoadHooks {
  onProgress?(p: Progress): void;
  /** Each measured window as it closes (one per second by default). */
  onWindow?(w: WindowStats): void;
  /** Each response (warmup included) with its times, ms after t0: for callers that split latency by status (bench/reliability.ts). */
  onResponse?(intended: number, at: number, status: number): void;
  /** Aborting stops the schedule; what is in flight drains and the result says aborted. */
  signal?: AbortSignal;
}

export interface LoadHandle {
  /** Resolves with the final result once every scheduled request has ended. */
  done: Promise<LoadResult>;
  /** The result so far (complete: false), for callers that read intermediate figures. */
  snapshot(): LoadResult;
  /** Stops the schedule early (same as aborting the signal). */
  stop(): void;
}

/**
 * Runs one open-model load and resolves with its result. Rejects with LoadError for bad options, a bad corpus or an unreachable target.
 * `runtime` (timer and transport) is the real one unless a test drives the run virtually.
 */
export function runLoad(input: LoadInput, hooks: LoadHooks = {}, runtime: Runtime = REAL_RUNTIME): Promise<LoadResult> {
  return startLoad(input, hooks, runtime).done;
}

/** Starts a run and returns a handle to read it while it goes. */
export function startLoad(input: LoadInput, hooks: LoadHooks = {}, runtime: Runtime = REAL_RUNTIME): LoadHandle {
  let engine: Engine | null = null;
  let stopRequested = false;
  const done = (async () => {
    const opts = resolveOptions(input);
    const target = parseTarget(opts.url);
    const corpus = await loadCorpus(opts.corpus);
    engine = new Engine(opts, target, corpus, hooks, runtime);
    await engine.transport.preflight();
    if (stopRequested) engine.stop();
    return engine.run();
  })();
  return {
    done,
    snapshot() {
      if (!engine) throw new Error("the run has not started yet");
      return engine.result(false);
    },
    stop() {
      stopRequested = true;
      engine?.stop();
    },
  };
}

class Engine implements Sink {
  readonly transport: Transport;
  readonly rec: Recorder;
  private readonly schedule: Schedule;
  private readonly queue = new NumberQueue();
  private readonly end: number;
  private t0 = 0;
  private startedAt = new Date();
  private nextIntended: number;
  /** Index of the next request to pull from the schedule, and of the queue's head. */
  private pulled = 0;
  private queueHead = 0;
  private scheduleDone = false;
  private aborted = false;
  private abortedAt = Infinity;
  private finished = false;
  /** Made when the run starts (a precise timer holds a thread), closed when it ends. */
  private timers: Timer | null = null;
  private timer: unknown = undefined;
  private resolve!: (r: LoadResult) => void;
  private cpu: CpuMeter | null = null;
  private nextWindow = 0;
  private nextProgress = 0;
  private lastProgress = { at: 0, sent: 0, done: 0 };
  private totalSent = 0;
  private totalDone = 0;
  private waited = 0;
  private maxQueue = 0;
  /** Requests pulled before the tick now running, and the intended start of the last one pulled. */
  private tickFirst = 0;
  private lastPulled = 0;
  private inTick = false;
  private pumping = false;
  /**
   * Whether due requests are waiting for the server right now: every
   * connection occupied ("pool": the queue is not empty) or a connect not yet
   * accepted ("connect"). `holdFrom` is when the wait began, `holdFlushed` how
   * far its time has been recorded, `holdEnd` when the previous one ended.
   */
  private hold: HoldKind | null = null;
  private holdFrom = 0;
  private holdFlushed = 0;
  private holdEnd = -Infinity;
  private lastAnswer = -Infinity;

  constructor(
    private readonly opts: LoadOptions,
    private readonly target: Target,
    private readonly corpus: Corpus,
    private readonly hooks: LoadHooks,
    private readonly runtime: Runtime,
  ) {
    this.end = opts.warmupMs + opts.durationMs;
    this.rec = new Recorder(opts.warmupMs, this.end, opts.windowMs);
    this.schedule = makeSchedule(opts.arrivals, opts.rps, opts.seed);
    this.nextIntended = this.schedule.next();
    this.transport = runtime.transport(target, corpus, opts, this);
    hooks.signal?.addEventListener("abort", this.onAbort, { once: true });
    if (hooks.signal?.aborted) this.stop();
  }

  run(): Promise<LoadResult> {
    return new Promise((resolve) => {
      this.resolve = resolve;
      this.timers = this.runtime.timer(this.opts);
      this.t0 = this.opts.now();
      this.startedAt = new Date();
      this.nextProgress = this.opts.progressMs;
      this.tick();
    });
  }

  private onAbort = () => this.stop();

  stop(): void {
    if (this.scheduleDone) return;
    this.aborted = true;
    this.scheduleDone = true;
    this.abortedAt = this.t0 ? this.now() : 0;
  }

  // ---- Sink ----
  now(): number {
    return this.opts.now() - this.t0;
  }
  sent(intended: number, at: number): void {
    this.totalSent++;
    this.rec.sent(intended, at);
    // A connect the server finally accepted may end a wait.
    if (this.hold === "connect" && !this.pumping) this.checkHold(at);
  }
  response(intended: number, sentAt: number, at: number, status: number): void {
    this.totalDone++;
    this.rec.response(intended, sentAt, at, status);
    this.hooks.onResponse?.(intended, at, status);
    if (this.hold) {
      this.rec.silence(Math.max(this.lastAnswer, this.holdFrom), at);
      this.rec.heldAnswer(at);
    }
    this.lastAnswer = at;
  }
  timeout(intended: number, sentAt: number, at: number): void {
    this.totalDone++;
    this.rec.timeout(intended, sentAt, at);
  }
  transportError(intended: number, at: number, kind: string, _message: string, unsent: boolean): void {
    this.totalDone++;
    this.rec.transportError(intended, at, kind, unsent);
  }
  freed(): void {
    if (this.queue.length) this.pump();
    if (this.hold || this.transport.connecting) this.checkHold(this.now());
    if (!this.inTick) this.maybeFinish();
  }

  /** Starts, switches or ends the current wait for the server, recording its time. */
  private checkHold(now: number): void {
    const kind: HoldKind | null = this.queue.length ? "pool" : this.transport.connecting ? "connect" : null;
    if (kind === this.hold) return;
    if (this.hold) this.flushHold(now);
    if (!kind) {
      this.rec.silence(Math.max(this.lastAnswer, this.holdFrom), now);
      this.holdEnd = now;
    } else if (!this.hold) {
      // A pool wait began when the oldest waiting request was due (the tick may have found it late).
      const from = kind === "pool" ? Math.max(this.holdEnd, Math.min(now, this.queue.peek())) : now;
      this.holdFrom = this.holdFlushed = from;
    }
    this.hold = kind;
  }

  private flushHold(now: number): void {
    if (now > this.holdFlushed) this.rec.held(this.hold!, this.holdFlushed, now);
    this.holdFlushed = Math.max(now, this.holdFlushed);
  }

  // ---- the loop ----
  private tick = (): void => {
    this.timer = undefined;
    if (this.finished) return;
    this.inTick = true;
    const now = this.now();
    this.tickFirst = this.pulled;
    // 1. Everything already due joins the queue, in schedule order.
    while (!this.scheduleDone && this.nextIntended <= now) {
      if (this.nextIntended >= this.end) {
        this.scheduleDone = true;
        break;
      }
      this.rec.due(this.nextIntended, now);
      this.queue.push(this.nextIntended);
      this.lastPulled = this.nextIntended;
      this.pulled++;
      this.nextIntended = this.schedule.next();
    }
    if (this.nextIntended >= this.end) this.scheduleDone = true;
    // 2. Requests past their deadline end as timeouts, whether queued or on the wire.
    const cutoff = now - this.opts.timeoutMs;
    while (this.queue.length && this.queue.peek() <= cutoff) {
      this.queueHead++;
      this.timeout(this.queue.shift(), NaN, now);
    }
    this.transport.expire(cutoff);
    // 3. Send what can go now; what this tick pulled and could not send found every connection busy.
    this.pump();
    const leftThisTick = Math.min(this.queue.length, this.pulled - this.tickFirst);
    if (leftThisTick > 0 && this.rec.measured(this.lastPulled)) this.waited += leftThisTick;
    if (this.queue.length > this.maxQueue) this.maxQueue = this.queue.length;
    this.checkHold(now);
    this.inTick = false;
    this.windows(now);
    this.progress(now);
    if (this.maybeFinish()) return;
    // Sleep until the next request is due, in whole ticks of the timer's grain, but wake at least every 10 ms to expire and report.
    const timers = this.timers!;
    const untilDue = this.scheduleDone ? 10 : this.nextIntended - this.now();
    const ticks = Math.max(1, Math.ceil(untilDue / timers.tickMs));
    this.timer = timers.set(this.tick, Math.min(10, ticks * timers.tickMs));
  };

  private pump(): void {
    const t = this.transport;
    this.pumping = true;
    while (this.queue.length && t.available()) {
      const i = this.queueHead++;
      t.send(i, this.queue.shift());
    }
    this.pumping = false;
  }

  /** Closes every window whose end has passed (a stopped run closes its last one early). */
  private windows(now: number): void {
    const m = this.rec;
    if (!this.cpu && now >= m.measureStart) this.cpu = new CpuMeter(this.opts.now());
    while (this.nextWindow < m.windowCount) {
      const start = m.measureStart + this.nextWindow * m.windowMs;
      const end = Math.min(start + m.windowMs, m.measureEnd, this.abortedAt);
      if (end <= start) {
        this.nextWindow = m.windowCount; // stopped before this window began: no more windows
        break;
      }
      if (now < end) break;
      if (this.hold) this.flushHold(now);
      const cpu = this.cpu ? this.cpu.lap(this.opts.now()) : { thread: NaN, process: NaN, hostSteal: NaN };
      const w = m.closeWindow(this.nextWindow++, end - start, cpu.thread, cpu.process, cpu.hostSteal);
      this.hooks.onWindow?.(w);
    }
  }

  private progress(now: number): void {
    if (!this.hooks.onProgress || now < this.nextProgress) return;
    const dt = (now - this.lastProgress.at) / 1000;
    const c = this.rec.counts;
    this.hooks.onProgress({
      phase: now < this.rec.measureStart ? "warmup" : this.scheduleDone ? "drain" : "measure",
      elapsedMs: now,
      offeredRps: this.opts.rps,
      sentRps: dt > 0 ? (this.totalSent - this.lastProgress.sent) / dt : 0,
      doneRps: dt > 0 ? (this.totalDone - this.lastProgress.done) / dt : 0,
      inFlight: this.transport.inFlight,
      queued: this.queue.length,
      p99: Math.round(this.rec.hist.corrected.totalCount ? this.rec.hist.corrected.getValueAtPercentile(99) : 0) / 1000,
      errors: c.httpError + c.timeout + c.transport,
      connections: this.transport.connections,
    });
    this.lastProgress = { at: now, sent: this.totalSent, done: this.totalDone };
    this.nextProgress = now + this.opts.progressMs;
  }

  private maybeFinish(): boolean {
    if (this.finished || !this.scheduleDone || this.queue.length || this.transport.inFlight) return this.finished;
    this.finished = true;
    if (this.timer !== undefined) this.timers?.clear(this.timer);
    this.timers?.close?.();
    const now = this.now();
    this.windows(Math.max(now, this.rec.measureEnd));
    this.transport.close();
    this.hooks.signal?.removeEventListener("abort", this.onAbort);
    this.resolve(this.result(true));
    return true;
  }

  /** Builds the result from what has been recorded so far. */
  result(complete: boolean): LoadResult {
    const o = this.opts;
    const r = this.rec;
    const now = this.t0 ? this.now() : 0;
    const measureUntil = Math.min(r.measureEnd, this.abortedAt, complete ? Infinity : now);
    const measuredMs = Math.max(0, measureUntil - r.measureStart);
    const latency = r.latency();
    const limit = o.connections === Infinity ? "unbounded" : o.connections;
    const validity = judge(
      { scheduleLagP99Ms: latency.scheduleLag.p99, windows: r.windows, connectionWaits: this.waited, connections: o.connections, clamped: r.clamped },
      o,
    );
    if (this.aborted) validity.notes.push(`stopped early: ${Math.round(measuredMs)}ms of the ${o.durationMs}ms measured period ran`);
    return {
      tool: "enrich-load",
      url: this.target.url,
      corpus: { path: this.corpus.path, lines: this.corpus.bodies.length },
      options: {
        rps: o.rps,
        arrivals: o.arrivals,
        seed: o.seed,
        durationMs: o.durationMs,
        warmupMs: o.warmupMs,
        timeoutMs: o.timeoutMs,
        connections: limit,
        transport: o.transport,
        timer: o.timer,
      },
      startedAt: this.startedAt.toISOString(),
      complete,
      aborted: this.aborted,
      measuredMs: round(measuredMs),
      offeredRps: o.rps,
      achievedRps: measuredMs > 0 ? round((r.sentInWindow * 1000) / measuredMs) : 0,
      throughputRps: measuredMs > 0 ? round((r.respondedInWindow * 1000) / measuredMs) : 0,
      counts: structuredClone(r.counts),
      accounted: ended(r.counts) === r.counts.scheduled,
      warmup: structuredClone(r.warmup),
      latency,
      validity,
      connections: { limit, peak: this.transport.peakConnections, opened: this.transport.opened, waited: this.waited, maxQueue: this.maxQueue },
      windows: r.windows.slice(),
      histograms: {
        ...histogramBounds(),
        corrected: encode(r.hist.corrected),
        service: encode(r.hist.service),
        sendLag: encode(r.hist.sendLag),
        scheduleLag: encode(r.hist.scheduleLag),
      },
    };
  }
}

const round = (x: number) => Math.round(x * 100) / 100;
