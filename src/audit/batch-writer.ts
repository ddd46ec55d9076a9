/**
 * The batched audit writer (io-batched-audit): requests hand it their
 * entries and are answered at once; it writes them in batches, one flush in
 * flight at a time, each flush one round trip. A flush goes out once
 * `batchEntries` are waiting or the oldest waiting entry is `flushMs` old;
 * whatever arrives while a flush is in flight goes in the next one, so under
 * load the batches grow with the round trip instead of queueing behind it.
 *
 * What it queues is an item: one entry (io-batched-audit), or one request's
 * entries packed into one string (io-packed-audit); `entriesIn` says how many
 * entries an item holds, and every bound and count is in entries, not items.
 *
 * Bounded: at most `maxEntries` accepted and not yet acknowledged. Past that
 * (Redis down or slower than the service), new items are dropped whole and
 * their entries counted, and the service keeps answering. Entries a flush failed to write
 * go back to the front and are retried once Redis is up again, so every
 * accepted entry ends up written, dropped, or still buffered:
 * accepted = written + dropped + buffered, at every instant.
 */

import type { AuditEntry } from "./entry.ts";

/** Where the writer writes (RedisAuditLog; a fake in unit tests). */
export interface BatchSink<T = AuditEntry> {
  /** Writes a batch in one round trip; resolves to the items not written, in order. */
  appendAll(items: readonly T[]): Promise<T[]>;
  readonly up: boolean;
  /** Resolves once writes can succeed again (or the sink is closed). */
  whenUp(): Promise<void>;
}

export interface BatchWriterOptions<T = AuditEntry> {
  batchEntries: number;
  flushMs: number;
  maxEntries: number;
  /** Clock and timer, injectable so tests drive time instead of waiting for it. */
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (t: unknown) => void;
  /** How many entries an item holds (default: each item is one entry). */
  entriesIn?: (item: T) => number;
}

export type DropReason = "buffer_full" | "shutdown";

export interface BatchWriterCounts {
  accepted: number;
  written: number;
  dropped: Record<DropReason, number>;
  flushes: number;
  /** Entries a flush could not write and put back to retry. */
  retried: number;
}

/** After a flush fails while the sink says it is up (an error reply), wait this long before the next. */
const RETRY_AFTER_ERROR_MS = 100;

const ONE = () => 1;

export class BatchWriter<T = AuditEntry> {
  readonly counts: BatchWriterCounts = { accepted: 0, written: 0, dropped: { buffer_full: 0, shutdown: 0 }, flushes: 0, retried: 0 };
  private queue: T[] = [];
  /** Entries in `queue`. */
  private queued = 0;
  private inFlight = 0;
  private flying = false;
  private oldestAt = 0;
  private timer: unknown = undefined;
  private closing = false;
  private idleWaiters: (() => void)[] = [];
  private readonly now: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (t: unknown) => void;
  private readonly entriesIn: (item: T) => number;

  constructor(
    private readonly sink: BatchSink<T>,
    private readonly o: BatchWriterOptions<T>,
  ) {
    this.entriesIn = o.entriesIn ?? ONE;
    this.now = o.now ?? (() => performance.now());
    this.setTimer = o.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = o.clearTimer ?? ((t) => clearTimeout(t as ReturnType<typeof setTimeout>));
  }

  /** Entries accepted and not yet acknowledged: waiting, or in the flush in flight. */
  get buffered(): number {
    return this.queued + this.inFlight;
  }

  /**
   * enqueue takes a request's items (never blocks), in order, while they fit
   * the bound; the first that does not fit and every one after it are dropped
   * and their entries counted. Returns the entries accepted.
   */
  enqueue(items: readonly T[]): number {
    if (this.closing) {
      // A request answered after the drain gave up on the writer: accepted and lost at once (both sums still hold).
      const n = this.entriesOf(items);
      this.counts.accepted += n;
      this.counts.dropped.shutdown += n;
      return 0;
    }
    const wasEmpty = this.queue.length === 0;
    let room = this.o.maxEntries - this.buffered;
    let accepted = 0;
    let i = 0;
    for (; i < items.length; i++) {
      const n = this.entriesIn(items[i]!);
      if (n > room) break;
      this.queue.push(items[i]!);
      room -= n;
      accepted += n;
    }
    this.counts.dropped.buffer_full += this.entriesOf(items, i);
    if (accepted === 0) return 0;
    if (wasEmpty) this.oldestAt = this.now();
    this.queued += accepted;
    this.counts.accepted += accepted;
    this.schedule();
    return accepted;
  }

  /** whenIdle resolves once everything accepted so far is acknowledged or dropped (at once if nothing is buffered). */
  whenIdle(): Promise<void> {
    if (this.buffered === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * close flushes everything accepted (SIGTERM's drain) until `deadline`
   * (performance.now ms); what is still unwritten then is counted dropped
   * (reason shutdown). Resolves to the number dropped.
   */
  async close(deadline: number): Promise<number> {
    this.closing = true;
    const idle = this.whenIdle();
    this.schedule();
    let cut: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([idle, new Promise<void>((resolve) => (cut = setTimeout(resolve, Math.max(0, deadline - performance.now()))))]);
    clearTimeout(cut);
    const left = this.buffered;
    this.counts.dropped.shutdown += left;
    this.queue = [];
    this.queued = 0;
    this.inFlight = 0;
    return left;
  }

  /** Starts a flush now if one is due, or arms the timer for when the oldest entry will be flushMs old. */
  private schedule(): void {
    if (this.flying) return;
    if (this.queue.length === 0) return this.idle();
    if (this.queued >= this.o.batchEntries || this.closing || this.now() - this.oldestAt >= this.o.flushMs) {
      void this.flush();
      return;
    }
    if (this.timer === undefined) {
      this.timer = this.setTimer(() => {
        this.timer = undefined;
        this.schedule();
      }, Math.max(0, this.oldestAt + this.o.flushMs - this.now()));
    }
  }

  private async flush(): Promise<void> {
    if (this.timer !== undefined) this.clearTimer(this.timer);
    this.timer = undefined;
    this.flying = true;
    // Whole items, up to batchEntries entries (at least one item, however large).
    let take = 0;
    let entries = 0;
    for (; take < this.queue.length; take++) {
      const n = this.entriesIn(this.queue[take]!);
      if (take > 0 && entries + n > this.o.batchEntries) break;
      entries += n;
    }
    const batch = this.queue.splice(0, take);
    this.queued -= entries;
    this.inFlight = entries;
    if (this.queue.length > 0) this.oldestAt = this.now();
    this.counts.flushes++;
    let unwritten: T[];
    try {
      unwritten = await this.sink.appendAll(batch);
    } catch {
      unwritten = batch;
    }
    // close() may have given up on these meanwhile (counted as dropped there).
    if (this.inFlight === 0 && this.closing) return void (this.flying = false);
    this.inFlight = 0;
    const lost = this.entriesOf(unwritten);
    this.counts.written += entries - lost;
    if (unwritten.length > 0) {
      this.counts.retried += lost;
      this.queue = unwritten.concat(this.queue);
      this.queued += lost;
      this.oldestAt = this.now() - this.o.flushMs;
      // Redis is down: wait for it to come back. Up yet failing (an error reply): do not spin.
      if (!this.sink.up) await this.sink.whenUp();
      else await new Promise((resolve) => setTimeout(resolve, RETRY_AFTER_ERROR_MS));
    }
    this.flying = false;
    this.schedule();
  }

  /** Entries in items[from…]. */
  private entriesOf(items: readonly T[], from = 0): number {
    let n = 0;
    for (let i = from; i < items.length; i++) n += this.entriesIn(items[i]!);
    return n;
  }

  private idle(): void {
    if (this.buffered > 0) return;
    const ws = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of ws) w();
  }
}
