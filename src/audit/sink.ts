/**
 * The audit log as the variants see it (EnrichContext.audit.sink): the three
 * ways an io-* variant's audit stage writes its batch's entries, over one
 * Redis connection.
 *
 *   append(e)        one XADD, awaited: io-naive-audit awaits one per event
 *   appendAll(es)    a batch's XADDs in one round trip, awaited: io-pipelined-audit
 *   enqueue(es)      into the bounded batched writer, not awaited: io-batched-audit
 *                    (flushes as pipelined XADDs), io-batched-scripted-audit
 *                    (flushes as one EVALSHA per batch)
 *   enqueuePacked(p) a request's entries packed in one string, into the same
 *                    kind of writer: io-packed-audit (one EVALSHA per batch,
 *                    split inside Redis)
 *
 * The awaited ones promise the entries are in the stream when they resolve;
 * if Redis cannot take them, they throw a 503 (the request is shed: answering
 * would break that promise). enqueue never fails the request: past the
 * writer's bound its entries are dropped and counted.
 */
import { AUDIT_DEFAULTS } from "../config.ts";
import { ClientError } from "../http/errors.ts";
import { BatchWriter, type BatchWriterCounts } from "./batch-writer.ts";
import type { AuditEntry, AuditRequest, PackedEntries } from "./entry.ts";
import { RedisAuditLog } from "./redis-log.ts";
import type { AuditTarget } from "./target.ts";

export interface AuditOptions {
  target: AuditTarget;
  batchEntries: number;
  flushMs: number;
  maxBufferedEntries: number;
}

/** What an audit stage gets per request: the sink and the request's id and arrival. */
export interface AuditScope extends AuditRequest {
  sink: AuditSink;
}

/** A client-supplied X-Request-Id is kept if it is short and printable; anything else gets one made up. */
const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/** 503: the audit log could not take the entries, so the answer is not sent (synchronous modes). */
export const auditUnavailable = (why: string) => new ClientError(503, "AUDIT_UNAVAILABLE", `audit log unavailable: ${why}`, "", { "retry-after": "1" });

/** How a batched writer's flush is sent: pipelined XADDs, or one script call that runs them in Redis. */
export type FlushEncoding = "xadd" | "script";

export class AuditSink {
  /** One batched writer per flush encoding in use (a process runs one variant, so in practice one). */
  private readonly writers = new Map<FlushEncoding, BatchWriter>();
  private packedWriter: BatchWriter<PackedEntries> | null = null;
  /** Time requests spent awaiting append/appendAll, ms (the synchronous modes' IO wait). */
  waitMs = 0;
  /** Requests answered 503 because their entries could not be written. */
  shed = 0;
  private seq = 0;
  private readonly idPrefix = `${process.pid.toString(36)}${Date.now().toString(36)}`;

  constructor(
    readonly log: RedisAuditLog,
    readonly options: AuditOptions,
  ) {
  }

  /** The batched writer that flushes with `encoding`, made on first use. */
  writer(encoding: FlushEncoding): BatchWriter {
    let w = this.writers.get(encoding);
    if (!w) {
      const log = this.log;
      w = this.newWriter<AuditEntry>(encoding === "script" ? (es) => log.appendScripted(es) : (es) => log.appendAll(es));
      this.writers.set(encoding, w);
    }
    return w;
  }

  /** The writer of packed requests (io-packed-audit), made on first use. */
  packed(): BatchWriter<PackedEntries> {
    const log = this.log;
    this.packedWriter ??= this.newWriter<PackedEntries>((ps) => log.appendPacked(ps), (p) => p.entries);
    return this.packedWriter;
  }

  /** A batched writer over this sink's connection, with its options: `appendAll` is how one flush is written. */
  private newWriter<T>(appendAll: (items: readonly T[]) => Promise<T[]>, entriesIn?: (item: T) => number): BatchWriter<T> {
    const log = this.log;
    const sink = { appendAll, get up() { return log.up; }, whenUp: () => log.whenUp() };
    return new BatchWriter<T>(sink, { batchEntries: this.options.batchEntries, flushMs: this.options.flushMs, maxEntries: this.options.maxBufferedEntries, entriesIn });
  }

  private allWriters(): Pick<BatchWriter<unknown>, "counts" | "buffered" | "close" | "whenIdle">[] {
    return this.packedWriter ? [...this.writers.values(), this.packedWriter] : [...this.writers.values()];
  }

  /** The batched writers' counts, summed (all zero when no batched variant ran). */
  writerCounts(): BatchWriterCounts & { buffered: number } {
    const sum = { accepted: 0, written: 0, dropped: { buffer_full: 0, shutdown: 0 }, flushes: 0, retried: 0, buffered: 0 };
    for (const w of this.allWriters()) {
      const c = w.counts;
      sum.accepted += c.accepted;
      sum.written += c.written;
      sum.dropped.buffer_full += c.dropped.buffer_full;
      sum.dropped.shutdown += c.dropped.shutdown;
      sum.flushes += c.flushes;
      sum.retried += c.retried;
      sum.buffered += w.buffered;
    }
    return sum;
  }

  /** forRequest: the request's audit scope, taken when its handler starts. */
  forRequest(request: Request): AuditScope {
    const sent = request.headers.get("x-request-id");
    return { sink: this, requestId: sent !== null && REQUEST_ID.test(sent) ? sent : `${this.idPrefix}-${++this.seq}`, arrivedMs: Date.now() };
  }

  async append(e: AuditEntry): Promise<void> {
    const t0 = performance.now();
    try {
      await this.log.append(e);
    } catch (err) {
      this.shed++;
      throw auditUnavailable((err as Error).message);
    } finally {
      this.waitMs += performance.now() - t0;
    }
  }

  async appendAll(entries: readonly AuditEntry[]): Promise<void> {
    const t0 = performance.now();
    const unwritten = await this.log.appendAll(entries);
    this.waitMs += performance.now() - t0;
    if (unwritten.length > 0) {
      this.shed++;
      throw auditUnavailable(`${unwritten.length} of ${entries.length} entries not written`);
    }
  }

  enqueue(entries: readonly AuditEntry[], encoding: FlushEncoding = "xadd"): void {
    this.writer(encoding).enqueue(entries);
  }

  enqueuePacked(p: PackedEntries): void {
    this.packed().enqueue([p]);
  }

  /** drained resolves once every batched writer has written (or dropped) what it accepted so far. */
  async drained(): Promise<void> {
    await Promise.all(this.allWriters().map((w) => w.whenIdle()));
  }

  /** close is SIGTERM's last step: the writer flushes until `deadline` (performance.now ms), then the connection closes. */
  async close(deadline: number): Promise<number> {
    const dropped = (await Promise.all(this.allWriters().map((w) => w.close(deadline)))).reduce((a, b) => a + b, 0);
    this.log.close();
    return dropped;
  }
}

/** openAudit connects (or starts retrying) and returns the sink. */
export async function openAudit(target: AuditTarget, say: (line: string) => void, o: Partial<Omit<AuditOptions, "target">> = {}): Promise<AuditSink> {
  const log = await new RedisAuditLog(target, say).start();
  return new AuditSink(log, {
    target,
    batchEntries: o.batchEntries ?? AUDIT_DEFAULTS.batchEntries,
    flushMs: o.flushMs ?? AUDIT_DEFAULTS.flushMs,
    maxBufferedEntries: o.maxBufferedEntries ?? AUDIT_DEFAULTS.maxBufferedEntries,
  });
}
