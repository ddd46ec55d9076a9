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

describe("BatchWriter of packed items (several entries each)", () => {
  type Item = { id: number; entries: number };
  function packedRig(o: { batchEntries: number; maxEntries: number }) {
    const writes: { batch: Item[]; done: (unwritten?: Item[]) => void }[] = [];
    const sink: BatchSink<Item> = {
      up: true,
      whenUp: () => Promise.resolve(),
      appendAll: (batch) => new Promise((resolve) => writes.push({ batch: [...batch], done: (unwritten = []) => resolve(unwritten) })),
    };
    const w = new BatchWriter<Item>(sink, { ...o, flushMs: 0, entriesIn: (i) => i.entries, setTimer: () => 0, clearTimer: () => {} });
    const balanced = () => expect(w.counts.accepted).toBe(w.counts.written + w.counts.dropped.shutdown + w.buffered);
    return { w, writes, balanced };
  }
  const items = (...sizes: number[]) => sizes.map((entries, id) => ({ id, entries }));

  test("bounds and counts are in entries; an item is flushed, kept or dropped whole", async () => {
    const { w, writes, balanced } = packedRig({ batchEntries: 10, maxEntries: 20 });
    // Whole items while they fit the bound (16 of 20 entries); the item of 6 does not, and is dropped whole.
    expect(w.enqueue(items(4, 4, 4, 4, 6))).toBe(16);
    // Flushed at once (flushMs 0): whole items up to batchEntries, 4 + 4 (a third 4 would make 12).
    expect(writes.map((x) => x.batch.map((i) => i.entries))).toEqual([[4, 4]]);
    // 4 entries of room: an item of 5 does not fit; it and every item after it are dropped.
    expect(w.enqueue(items(5, 1))).toBe(0);
    expect({ dropped: w.counts.dropped.buffer_full, buffered: w.buffered }).toEqual({ dropped: 12, buffered: 16 });
    balanced();
    writes[0]!.done();
    await new Promise<void>((r) => setImmediate(r));
    expect(writes.map((x) => x.batch.map((i) => i.entries))).toEqual([[4, 4], [4, 4]]);
    // One item of the second flush is not written: its 4 entries are retried, counted in entries.
    writes[1]!.done([writes[1]!.batch[1]!]);
    await new Promise<void>((r) => setImmediate(r));
    expect({ written: w.counts.written, retried: w.counts.retried, buffered: w.buffered }).toEqual({ written: 12, retried: 4, buffered: 4 });
    balanced();
  });

  test("an item larger than batchEntries goes alone", () => {
    const { w, writes } = packedRig({ batchEntries: 10, maxEntries: 100 });
    w.enqueue(items(25));
    expect(writes.map((x) => x.batch.map((i) => i.entries))).toEqual([[25]]);
  });
});
