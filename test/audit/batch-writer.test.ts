/**
 * The batched writer against a fake sink and an injected clock and timer:
 * flushes by size and by time, one flush in flight, the bound, retries after
 * an outage, the drain — and accepted = written + dropped + buffered after
 * every step. No Redis, no waiting for time.
 */
import { describe, expect, test } from "bun:test";
import { BatchWriter, type BatchSink } from "../../src/audit/batch-writer.ts";
import type { AuditEntry } from "../../src/audit/entry.ts";

const entries = (n: number, from = 0): AuditEntry[] => Array.from({ length: n }, (_, i) => ({ key: String(from + i), found: true, attrs: "{}", arrivedMs: 0, requestId: "r", event: from + i }));

/** A sink whose writes the test completes by hand, and whose up/down it sets. */
class FakeSink implements BatchSink {
  up = true;
  writes: { batch: AuditEntry[]; done: (unwritten?: AuditEntry[]) => void }[] = [];
  written: AuditEntry[] = [];
  private upWaiters: (() => void)[] = [];
  appendAll(batch: readonly AuditEntry[]): Promise<AuditEntry[]> {
    return new Promise((resolve) =>
      this.writes.push({
        batch: [...batch],
        done: (unwritten = []) => {
          this.written.push(...batch.filter((e) => !unwritten.includes(e)));
          resolve(unwritten);
        },
      }),
    );
  }
  whenUp(): Promise<void> {
    return this.up ? Promise.resolve() : new Promise((r) => this.upWaiters.push(r));
  }
  comeBack(): void {
    this.up = true;
    for (const w of this.upWaiters.splice(0)) w();
  }
}

function rig(o: { batchEntries?: number; flushMs?: number; maxEntries?: number } = {}) {
  const sink = new FakeSink();
  let now = 0;
  const timers: { at: number; fn: () => void }[] = [];
  const w = new BatchWriter(sink, {
    batchEntries: o.batchEntries ?? 10,
    flushMs: o.flushMs ?? 5,
    maxEntries: o.maxEntries ?? 100,
    now: () => now,
    setTimer: (fn, ms) => {
      const t = { at: now + ms, fn };
      timers.push(t);
      return t;
    },
    clearTimer: (t) => timers.splice(timers.indexOf(t as (typeof timers)[0]) >>> 0, 1),
  });
  const advance = (ms: number) => {
    now += ms;
    for (const t of timers.filter((t) => t.at <= now)) {
      timers.splice(timers.indexOf(t), 1);
      t.fn();
    }
  };
  const settle = () => new Promise<void>((r) => setImmediate(r));
  const balanced = () => expect(w.counts.accepted).toBe(w.counts.written + w.counts.dropped.shutdown + w.buffered);
  return { sink, w, advance, settle, balanced, timers };
}

describe("BatchWriter", () => {
  test("a full batch flushes at once; a partial one when its oldest entry is flushMs old", async () => {
    const { sink, w, advance, settle, balanced } = rig({ batchEntries: 10, flushMs: 5 });
    w.enqueue(entries(10));
    expect(sink.writes.map((x) => x.batch.length)).toEqual([10]);
    sink.writes[0]!.done();
    await settle();
    balanced();
    w.enqueue(entries(3, 10));
    advance(4);
    expect(sink.writes.length).toBe(1);
    advance(1);
    expect(sink.writes.map((x) => x.batch.length)).toEqual([10, 3]);
    sink.writes[1]!.done();
    await settle();
    expect({ written: sink.written.length, buffered: w.buffered }).toEqual({ written: 13, buffered: 0 });
    balanced();
  });

  test("one flush in flight: what arrives meanwhile goes in the next, in order", async () => {
    const { sink, w, settle, balanced } = rig({ batchEntries: 10 });
    w.enqueue(entries(10));
    w.enqueue(entries(10, 10));
    w.enqueue(entries(5, 20));
    expect(sink.writes.length).toBe(1);
    expect(w.buffered).toBe(25);
    balanced();
    sink.writes[0]!.done();
    await settle();
    expect(sink.writes.length).toBe(2);
    sink.writes[1]!.done();
    await settle();
    // The last 5 are not a full batch: they wait for their timer.
    expect(sink.written.map((e) => e.event)).toEqual([...Array(20).keys()]);
    expect(w.buffered).toBe(5);
    balanced();
  });

  test("past the bound, new entries are dropped and counted; the service is never blocked", async () => {
    const { sink, w, balanced } = rig({ batchEntries: 10, maxEntries: 25 });
    sink.up = false;
    expect(w.enqueue(entries(10))).toBe(10);
    expect(w.enqueue(entries(10, 10))).toBe(10);
    expect(w.enqueue(entries(10, 20))).toBe(5);
    expect(w.enqueue(entries(10, 30))).toBe(0);
    expect({ accepted: w.counts.accepted, dropped: w.counts.dropped.buffer_full, buffered: w.buffered }).toEqual({ accepted: 25, dropped: 15, buffered: 25 });
    balanced();
  });

  test("a failed flush is retried, in order, once the sink is up again", async () => {
    const { sink, w, settle, balanced } = rig({ batchEntries: 10 });
    w.enqueue(entries(10));
    sink.up = false;
    sink.writes[0]!.done(sink.writes[0]!.batch.slice(4));
    await settle();
    expect({ written: sink.written.length, buffered: w.buffered, retried: w.counts.retried, writes: sink.writes.length }).toEqual({ written: 4, buffered: 6, retried: 6, writes: 1 });
    balanced();
    w.enqueue(entries(4, 10));
    sink.comeBack();
    await settle();
    expect(sink.writes[1]!.batch.map((e) => e.event)).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    sink.writes[1]!.done();
    await settle();
    expect(sink.written.map((e) => e.event)).toEqual([...Array(14).keys()]);
    balanced();
  });

  test("close flushes everything accepted; what the deadline cuts off is counted as dropped at shutdown", async () => {
    const { sink, w, settle } = rig({ batchEntries: 10, flushMs: 1e9 });
    w.enqueue(entries(3));
    const closed = w.close(performance.now() + 60_000);
    await settle();
    expect(sink.writes.map((x) => x.batch.length)).toEqual([3]);
    sink.writes[0]!.done();
    expect(await closed).toBe(0);
    expect(w.enqueue(entries(2))).toBe(0);
    expect({ accepted: w.counts.accepted, shutdown: w.counts.dropped.shutdown }).toEqual({ accepted: 5, shutdown: 2 });

    const down = rig({ batchEntries: 10 });
    down.sink.up = false;
    down.w.enqueue(entries(10));
    down.sink.writes[0]!.done(down.sink.writes[0]!.batch);
    await down.settle();
    expect(await down.w.close(performance.now())).toBe(10);
    expect(down.w.counts.dropped.shutdown).toBe(10);

    // Nothing buffered: close resolves at once, not at its deadline.
    expect(await rig().w.close(performance.now() + 3_600_000)).toBe(0);
    down.balanced();
  });
});
