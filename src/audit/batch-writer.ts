/**
 * The batched audit writer (io-batched-audit): requests hand it their
 * entries and are answered at once; it writes them in batches, one flush in
 * flight at a time, each flush one round trip. A flush goes out once
 * `batchEntries` are waiting or the oldest waiting entry is `flushMs` old;
 * whatever arrives while a flush is in flight goes in the next one, so under
 * load the batches grow with the round trip instead of queueing behind it.
 *
 * Bounded: at most `maxEntries` accepted and not yet acknowledged. Past that
 * (Redis down or slower than the service), new entries are dropped and
 * counted, and the service keeps answering. Entries a flush failed to write
 * go back to the front and are retried once Redis is up again, so every
 * accepted entry ends up written, dropped, or still buffered:
 * accepted = written + dropped + buffered, at every instant.
 */

import type { AuditEntry } from "./entry.ts";

/** Where the writer writes (RedisAuditLog; a fake in unit tests). */
export interface BatchSink {
  /** Writes a batch in one round trip; resolves to the entries not written, in order. */
  appendAll(entries: readonly AuditEntry[]): Promise<AuditEntry[]>;
  readonly up: boolean;
  /** Resolves once writes can succeed again (or the sink is closed). */
  whenUp(): Promise<void>;
}

export interface BatchWriterOptions {
  batchEntries: number;
  flushMs: number;
  maxEntries: number;
  /** Clock and timer, injectable so tests drive time instead of waiting for it. */
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (t: unknown) => void;
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

export class BatchWriter {
  readonly counts: BatchWriterCounts = { accepted: 0, written: 0, dropped: { buffer_full: 0, shutdown: 0 }, flushes: 0, retried: 0 };
  private queue: AuditEntry[] = [];
  private inFlight = 0;
  private flying = false;
  private oldestAt = 0;
  private timer: unknown = undefined;
  private closing = false;
  private idleWaiters: (() => void)[] = [];
  private readonly now: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (t: unknown) => void;

  constructor(
    private readonly sink: BatchSink,
    private readonly o: BatchWriterOptions,
  ) {
    this.now = o.now ?? (() => performance.now());
    this.setTimer = o.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = o.clearTimer ?? ((t) => clearTimeout(t as ReturnType<typeof setTimeout>));
  }

  /** Entries accepted and not yet acknowledged: waiting, or in the flush in flight. */
  get buffered(): number {
    return this.queue.length + this.inFlight;
  }

  /** enqueue takes a batch's entries (never blocks); returns how many it accepted (the rest were dropped, counted). */
  enqueue(entries: readonly AuditEntry[]): number {
    if (this.closing) {
      // A request answered after the drain gave up on the writer: accepted and lost at once (both sums still hold).
      this.counts.accepted += entries.length;
      this.counts.dropped.shutdown += entries.length;
      return 0;
    }
    const n = Math.min(Math.max(0, this.o.maxEntries - this.buffered), entries.length);
    if (n < entries.length) this.counts.dropped.buffer_full += entries.length - n;
    if (n === 0) return 0;
    if (this.queue.length === 0) this.oldestAt = this.now();
    for (let i = 0; i < n; i++) this.queue.push(entries[i]!);
    this.counts.accepted += n;
    this.schedule();
    return n;
  }

  /**
   * close flushes everything accepted (SIGTERM's drain) until `deadline`
   * (performance.now ms); what is still unwritten then is counted dropped
   * (reason shutdown). Resolves to the number dropped.
   */
  async close(deadline: number): Promise<number> {
    this.closing = true;
    const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    this.schedule();
    let cut: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([idle, new Promise<void>((resolve) => (cut = setTimeout(resolve, Math.max(0, deadline - performance.now()))))]);
    clearTimeout(cut);
    const left = this.buffered;
    this.counts.dropped.shutdown += left;
    this.queue = [];
    this.inFlight = 0;
    return left;
  }

  /** Starts a flush now if one is due, or arms the timer for when the oldest entry will be flushMs old. */
  private schedule(): void {
    if (this.flying) return;
    if (this.queue.length === 0) return this.idle();
    if (this.queue.length >= this.o.batchEntries || this.closing || this.now() - this.oldestAt >= this.o.flushMs) {
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
    const batch = this.queue.splice(0, this.o.batchEntries);
    this.inFlight = batch.length;
    if (this.queue.length > 0) this.oldestAt = this.now();
    this.counts.flushes++;
    let unwritten: AuditEntry[];
    try {
      unwritten = await this.sink.appendAll(batch);
    } catch {
      unwritten = batch;
    }
    // close() may have given up on these meanwhile (counted as dropped there).
    if (this.inFlight === 0 && this.closing) return void (this.flying = false);
    this.inFlight = 0;
    this.counts.written += batch.length - unwritten.length;
    if (unwritten.length > 0) {
      this.counts.retried += unwritten.length;
      this.queue = unwritten.concat(this.queue);
      this.oldestAt = this.now() - this.o.flushMs;
      // Redis is down: wait for it to come back. Up yet failing (an error reply): do not spin.
      if (!this.sink.up) await this.sink.whenUp();
      else await new Promise((resolve) => setTimeout(resolve, RETRY_AFTER_ERROR_MS));
    }
    this.flying = false;
    this.schedule();
  }

  private idle(): void {
    if (this.buffered > 0) return;
    const ws = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of ws) w();
  }
}
