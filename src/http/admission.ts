/**
 * Admission control for the hot path: a bounded amount of work in progress,
 * a bounded wait for it, and an immediate 503 beyond both.
 *
 * Why: one event loop shares its CPU among every request it has started. Left
 * unbounded, an overload starts everything, so everything finishes late (or
 * never, once clients give up) and goodput falls to zero. Bounding the work in
 * progress keeps the admitted requests fast; what cannot be admitted in time
 * gets a cheap 503 at once (Envoy's overload manager and nginx's limit_req
 * both shed at the door for the same reason).
 *
 * Work is counted twice: requests, and events (a fat batch is ~1,000 thin
 * ones). A request waits in one FIFO queue, bounded in length and in time:
 * queueMs, or twice the request's own expected service time if that is
 * longer (events ÷ the events per ms measured while busy), so a fat batch is
 * not shed merely for being fat while a thin one never waits more than queueMs.
 * At every stage boundary (arrival, body read, admission) a request whose
 * client has gone (`request.signal`) or whose deadline has passed is dropped.
 * Once started, the event loop itself is watched too: with synchronous
 * handlers the queue is the loop (and the kernel's socket buffers behind it).
 * Every arrival while the loop is standing overloaded is shed: as in CoDel,
 * "standing" means the last LATE_TICKS probe ticks all came more than
 * loopStallMs late, so a single stall (start-up, a GC, one big parse) sheds
 * nothing. And a request that arrives, or whose body finishes arriving,
 * while the loop has been busy without a timer turn for longer than
 * loopStallMs is shed: before its body is read when it can be (a 93 kB body
 * shed unread cost 26.7 µs of CPU, about half of one read first), else
 * before its parse.
 * Synchronous variants queue in the socket layer, which JS cannot see, and
 * this sheds the cheap way while a busy period lasts. Once it has shed, the
 * bound tightens to overloadLoopStallMs until overloadHoldMs pass without a
 * loop_stall shed: Facebook's adaptive CoDel for server queues (a long bound
 * for a burst, a short one for a standing queue), because what an admitted
 * request waits is about two busy periods, and only a short one keeps that
 * under 10× its unloaded latency (docs/reliability.md).
 */
import { DEFAULT_ADMISSION, type AdmissionLimits } from "../config.ts";
import { parseRequestStart } from "./request-start.ts";
import { ClientError, overloaded } from "./errors.ts";

/** Why a request was shed: the label of enrich_http_shed_total. */
export type ShedReason = "queue_full" | "queue_wait" | "queue_timeout" | "deadline" | "client_gone" | "loop_stall" | "body_bytes" | "draining";
export const SHED_REASONS: readonly ShedReason[] = ["queue_full", "queue_wait", "queue_timeout", "deadline", "client_gone", "loop_stall", "body_bytes", "draining"];

/** A live view for /metrics and tests. */
export interface AdmissionStats {
  requests: number;
  events: number;
  queued: number;
  bodyBytes: number;
  shed: Record<ShedReason, number>;
  /** Sheds made before the body was read (a subset of shed's sum). */
  shedUnread: number;
  admitted: number;
  /** The busy-loop bound is the tight one (a loop_stall shed within overloadHoldMs). */
  overloaded: boolean;
}

interface Waiter {
  events: number;
  enqueued: number;
  request: Request;
  resolve(): void;
  reject(e: ClientError): void;
  timer: ReturnType<typeof setTimeout>;
  onAbort(): void;
}

/** How often the loop-stall probe ticks. */
const PROBE_MS = 5;
/** Admitted requests before the busy-loop rule applies (start-up's JIT and first-use work is not overload). */
export const WARM_ADMITTED = 16;
/** Consecutive late ticks that make a standing overload. */
export const LATE_TICKS = 3;

/** Throughput is measured over windows of this much busy time; an EWMA smooths it. */
const RATE_WINDOW_MS = 100;
const RATE_ALPHA = 0.3;

/** A body's share of the concurrent body budget: grow it as chunks arrive, release it once read (either is safe to repeat). */
export interface BodyLease {
  grow(bytes: number): void;
  release(): void;
}

/** One body's share of the budget (Admission.reserveBody). */
class BodyReservation implements BodyLease {
  held = 0;
  large = false;
  released = false;
  constructor(private readonly gate: Admission) {}
  grow(bytes: number): void {
    this.gate.growReservation(this, bytes);
  }
  release(): void {
    this.gate.releaseReservation(this);
  }
}

/** A request's admission: call `leave()` exactly once when its work is over. */
export interface Slot {
  leave(): void;
}

/** A slot as one object with no closure (this runs for every request); leave() is safe to repeat. */
class AdmittedSlot implements Slot {
  private left = false;

  constructor(private readonly gate: Admission, private readonly events: number) {}

  leave(): void {
    if (this.left) return;
    this.left = true;
    this.gate.releaseSlot(this.events);
  }
}

/**
 * A request's arrival (performance.now ms, or when its X-Request-Start says it was sent) rides on the
 * Request under a symbol only this module knows: one property store, not a WeakMap entry per request.
 */
const ARRIVAL = Symbol("enrich.arrival");
type Arrived = Request & { [ARRIVAL]?: number };

export class Admission {
  readonly limits: AdmissionLimits;
  private requests = 0;
  private events = 0;
  private bodyBytes = 0;
  private largeBodyBytes = 0;
  private admitted = 0;
  private readonly queue: Waiter[] = [];
  private readonly shedCounts = Object.fromEntries(SHED_REASONS.map((r) => [r, 0])) as Record<ShedReason, number>;
  /** Of the sheds, those made before the request's body was read (the cheap ones: no body taken in). */
  private unreadSheds = 0;
  private lastTick = performance.now();
  private lateTicks = 0;
  /** When the busy-loop rule last shed (performance.now ms): overloaded until overloadHoldMs after it. */
  private lastStallShed = -Infinity;
  private probe: ReturnType<typeof setInterval> | undefined;
  private drainingSince: number | undefined;
  /** Events finished per ms of busy time (EWMA), NaN until measured; and the window being measured. */
  private eventsPerMs = NaN;
  private requestsPerMs = NaN;
  private busyFrom = 0;
  private windowBusyMs = 0;
  private windowEvents = 0;
  private windowRequests = 0;
  /** Events of the waiting requests. */
  private queuedEvents = 0;

  constructor(limits: Partial<AdmissionLimits> = {}, private readonly now: () => number = () => performance.now()) {
    this.limits = Object.freeze({ ...DEFAULT_ADMISSION, ...limits });
  }

  /** stats is read by /metrics at scrape time: no per-request cost. */
  stats(): AdmissionStats {
    return { requests: this.requests, events: this.events, queued: this.queue.length, bodyBytes: this.bodyBytes, shed: { ...this.shedCounts }, shedUnread: this.unreadSheds, admitted: this.admitted, overloaded: this.overloaded(this.now()) };
  }

  /** Within overloadHoldMs of a loop_stall shed: the busy-loop bound is the tight one. */
  private overloaded(now: number): boolean {
    return now - this.lastStallShed < this.limits.overloadHoldMs;
  }

  /** The busy-loop bound in force now (ms). */
  private stallBoundMs(now: number): number {
    return this.overloaded(now) ? Math.min(this.limits.loopStallMs, this.limits.overloadLoopStallMs) : this.limits.loopStallMs;
  }

  /** True once drain() was called: responses carry Connection: close and new work is refused. */
  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  /** drain refuses new requests (503, Connection: close) while in-progress ones finish. */
  drain(): void {
    this.drainingSince ??= this.now();
  }

  /**
   * start begins the loop-stall probe (unref'd: it never keeps the process
   * alive). The service starts it; an app built for app.handle tests has
   * none, so a slow test machine's pauses are never mistaken for overload.
   */
  start(): this {
    if (this.probe || this.limits.loopStallMs <= 0) return this;
    this.lastTick = this.now();
    this.probe = setInterval(() => this.sampleLoop(), PROBE_MS);
    this.probe.unref?.();
    return this;
  }

  /** sampleLoop is the probe's tick: how late it came says how long the loop was busy (tests call it with an injected clock). */
  sampleLoop(): void {
    const now = this.now();
    const late = now - this.lastTick - PROBE_MS;
    this.lateTicks = late > this.limits.loopStallMs ? this.lateTicks + 1 : 0;
    this.lastTick = now;
  }

  /** stop clears the probe timer and sheds every waiter (tests; the service keeps one for its life). */
  stop(): void {
    if (this.probe) clearInterval(this.probe);
    this.probe = undefined;
    for (const w of this.queue.splice(0)) {
      this.unwatch(w);
      w.reject(this.shed("draining", "the admission gate was stopped"));
    }
    this.queuedEvents = 0;
  }

  /**
   * shed counts and builds a 503. `unread` marks a shed before the body was
   * read: the connection stays open all the same (Bun discards the rest of
   * the body), since closing every shed connection under overload turns the
   * overload into a reconnect storm (measured: goodput fell to ~0).
   */
  private shed(reason: ShedReason, message: string, unread = false): ClientError {
    this.shedCounts[reason]++;
    if (unread) this.unreadSheds++;
    if (reason === "loop_stall") this.lastStallShed = this.now();
    return overloaded(message, this.limits.retryAfterS, reason === "draining");
  }

  /** When the request's deadline passes (performance.now ms): from the client's X-Request-Start if sent, else arrival. */
  private deadlineOf(request: Request): number {
    let start = (request as Arrived)[ARRIVAL];
    if (start === undefined) {
      const now = this.now();
      start = parseRequestStart(request.headers.get("x-request-start"), now) ?? now;
      (request as Arrived)[ARRIVAL] = start;
    }
    return start + this.limits.deadlineMs;
  }

  /**
   * checkpoint is a stage boundary: throws a 503 (counted) if the client is
   * gone or the deadline passed. `arrival` adds the checks only worth making
   * before any work: draining, a stalled loop, a full queue.
   */
  checkpoint(request: Request, arrival = false, bodyRead = false): void {
    const deadline = this.deadlineOf(request);
    if (request.signal.aborted) throw this.shed("client_gone", "the client has gone", arrival);
    const now = this.now();
    if (now > deadline) throw this.shed("deadline", `the request's ${this.limits.deadlineMs} ms deadline has passed`, arrival);
    // With synchronous variants the queue is the socket layer, invisible here; what is visible is that the
    // loop has been busy without a break for longer than the bound. A request that arrives then is shed before
    // its body is read, one whose body completes then before its parse, so a busy period sheds cheaply
    // instead of growing without bound. Only once warm: the first requests after start-up share their
    // iteration with start-up's own work.
    if ((arrival || bodyRead) && this.probe && this.admitted >= WARM_ADMITTED && now - this.lastTick - PROBE_MS > this.stallBoundMs(now)) {
      throw this.shed("loop_stall", `overloaded: the event loop has been busy for ${(now - this.lastTick).toFixed(0)} ms`, arrival);
    }
    if (!arrival) return;
    if (this.draining) throw this.shed("draining", "the service is shutting down", true);
    if (this.probe && this.lateTicks >= LATE_TICKS) throw this.shed("loop_stall", `overloaded: the event loop has been over ${this.limits.loopStallMs} ms late ${this.lateTicks} times in a row`, true);
    if (this.queue.length >= this.limits.queue && !this.fits(1)) throw this.shed("queue_full", `overloaded: ${this.queue.length} requests already waiting`, true);
    // Before the body is read or parsed: even the smallest request would wait too long.
    if (!this.fits(1) && this.expectedWaitMs(1) > this.limits.queueMs) throw this.shed("queue_wait", `overloaded: the expected wait of ${this.expectedWaitMs(1).toFixed(0)} ms is over the ${this.limits.queueMs} ms bound`, true);
  }

  /**
   * reserveBody claims `bytes` of the concurrent body budget before a body is
   * read (its declared length; 0 for a chunked body, which grows its lease as
   * chunks arrive). Large bodies (over 1/16 of the budget) may hold only 3/4
   * of it, so slow big uploads can never starve ordinary requests of the
   * rest. A body bigger than the large share is admitted alone, so no valid
   * request is unservable. Throws a 503 (body_bytes) when it does not fit.
   */
  reserveBody(bytes: number): BodyLease {
    const lease = new BodyReservation(this);
    lease.grow(bytes);
    return lease;
  }

  /** BodyReservation.grow's accounting (one object per body, no closures: this runs for every request). */
  growReservation(r: BodyReservation, n: number): void {
    if (r.released) return;
    const budget = this.limits.bodyBytes;
    const nowLarge = r.held + n > budget / 16;
    const largeHeld = this.largeBodyBytes - (r.large ? r.held : 0);
    const overTotal = this.bodyBytes > r.held && this.bodyBytes + n > budget;
    const overLarge = nowLarge && largeHeld > 0 && largeHeld + r.held + n > (budget * 3) / 4;
    if (overTotal || overLarge) throw this.shed("body_bytes", `overloaded: ${this.bodyBytes} body bytes already being read`, true);
    this.bodyBytes += n;
    if (nowLarge && !r.large) this.largeBodyBytes += r.held + n;
    else if (r.large) this.largeBodyBytes += n;
    r.large = nowLarge;
    r.held += n;
  }

  /** BodyReservation.release's accounting. */
  releaseReservation(r: BodyReservation): void {
    if (r.released) return;
    r.released = true;
    this.bodyBytes -= r.held;
    if (r.large) this.largeBodyBytes -= r.held;
  }

  /** A request of `events` fits now: under both bounds, or alone (a batch over the events bound still runs, by itself). */
  private fits(events: number): boolean {
    return this.requests < this.limits.requests && (this.events + events <= this.limits.events || this.events === 0);
  }

  /**
   * enter admits a parsed request of `events` events: at once if it fits and
   * nobody is waiting, else after a FIFO wait of at most queueMs; a full
   * queue, a timeout, a gone client or a passed deadline is a 503.
   */
  enter(request: Request, events: number): Slot | Promise<Slot> {
    this.checkpoint(request);
    if (this.queue.length === 0 && this.fits(events)) return this.take(events);
    if (this.queue.length >= this.limits.queue) throw this.shed("queue_full", `overloaded: ${this.queue.length} requests already waiting`);
    const deadline = this.deadlineOf(request);
    const bound = this.waitBoundMs(events);
    // Shed at once rather than after a wait that will not end in time: a 503 in microseconds, not in `bound` ms.
    const expected = this.expectedWaitMs(events);
    if (expected > bound) throw this.shed("queue_wait", `overloaded: the expected wait of ${expected.toFixed(0)} ms is over the ${bound.toFixed(0)} ms bound`);
    const waitMs = Math.max(0, Math.min(bound, deadline - this.now()));
    return new Promise<Slot>((resolve, reject) => {
      const w: Waiter = {
        events,
        enqueued: this.now(),
        request,
        resolve: () => resolve(this.take(events)),
        reject,
        timer: setTimeout(() => this.expire(w, "queue_timeout", `overloaded: not admitted within ${this.limits.queueMs} ms`), waitMs),
        onAbort: () => this.expire(w, "client_gone", "the client has gone"),
      };
      request.signal.addEventListener("abort", w.onAbort, { once: true });
      this.queue.push(w);
      this.queuedEvents += events;
    });
  }

  private expire(w: Waiter, reason: ShedReason, message: string): void {
    const i = this.queue.indexOf(w);
    if (i < 0) return;
    this.queue.splice(i, 1);
    this.queuedEvents -= w.events;
    this.unwatch(w);
    w.reject(this.shed(reason, message));
    // A waiter at the head may have been blocking smaller ones behind it.
    this.pump();
  }

  private unwatch(w: Waiter): void {
    clearTimeout(w.timer);
    w.request.signal.removeEventListener("abort", w.onAbort);
  }

  /**
   * expectedWaitMs estimates how long a request of `events` arriving now would
   * wait: until the work ahead of it (queued, and in progress beyond what
   * leaves room for it) drains at the measured rate. 0 while no rate is known.
   */
  expectedWaitMs(events: number): number {
    if (!Number.isFinite(this.eventsPerMs)) return 0;
    const eventsAhead = Math.max(0, this.queuedEvents + this.events + events - this.limits.events);
    const requestsAhead = Math.max(0, this.queue.length + this.requests + 1 - this.limits.requests);
    return Math.max(eventsAhead / this.eventsPerMs, requestsAhead / this.requestsPerMs);
  }

  /** waitBoundMs is how long a request of `events` may wait for admission: queueMs, or twice its expected service time. */
  waitBoundMs(events: number): number {
    const own = Number.isFinite(this.eventsPerMs) ? (2 * events) / this.eventsPerMs : 0;
    return Math.max(this.limits.queueMs, own);
  }

  /** Throughput bookkeeping: busy time runs while anything is in progress. */
  private account(events: number, now: number): void {
    this.windowBusyMs += now - this.busyFrom;
    this.busyFrom = now;
    this.windowEvents += events;
    this.windowRequests++;
    if (this.windowBusyMs < RATE_WINDOW_MS) return;
    const ewma = (old: number, x: number) => (Number.isFinite(old) ? RATE_ALPHA * x + (1 - RATE_ALPHA) * old : x);
    this.eventsPerMs = ewma(this.eventsPerMs, this.windowEvents / this.windowBusyMs);
    this.requestsPerMs = ewma(this.requestsPerMs, this.windowRequests / this.windowBusyMs);
    this.windowBusyMs = 0;
    this.windowEvents = 0;
    this.windowRequests = 0;
  }

  private take(events: number): Slot {
    if (this.requests === 0) this.busyFrom = this.now();
    this.requests++;
    this.events += events;
    this.admitted++;
    return new AdmittedSlot(this, events);
  }

  /** AdmittedSlot.leave's accounting: the slot's events are free again, and waiters that now fit are admitted. */
  releaseSlot(events: number): void {
    this.account(events, this.now());
    this.requests--;
    this.events -= events;
    this.pump();
  }

  /** Admits waiters from the head while they fit (strict FIFO: a fat head waits, it is not overtaken). */
  private pump(): void {
    while (this.queue.length > 0 && this.fits(this.queue[0]!.events)) {
      const w = this.queue.shift()!;
      this.queuedEvents -= w.events;
      this.unwatch(w);
      if (w.request.signal.aborted) {
        w.reject(this.shed("client_gone", "the client has gone"));
        continue;
      }
      w.resolve();
    }
  }
}
