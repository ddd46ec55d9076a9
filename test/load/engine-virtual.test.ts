import { describe, expect, test } from "bun:test";
import { decode, encode, newHistogram, percentileDistribution, recordMs } from "../../src/load/histograms.ts";
import { decodeHistograms, type LoadResult } from "../../src/load/result.ts";
import { runLoad } from "../../src/load/run.ts";
import type { TransportFactory } from "../../src/load/runtime.ts";
import type { Sink, Transport } from "../../src/load/transport/types.ts";
import { tempCorpus } from "./support.ts";
import { VirtualTime } from "./virtual-time.ts";

// The whole engine (schedule, ticks, pool queue, recorder, result) on a virtual clock and timer, against a
// simulated server: every time below is exact, and nothing waits for real time to pass.

/**
 * A server behind `limit` keep-alive connections that answers each request `serviceMs` after it arrives,
 * except that it is frozen from `stallAt` to `stallAt + stallMs`: work caught by the freeze resumes when it
 * thaws. Times are ms after t0, read from the engine's clock as a real transport's are.
 */
function stallingServer(vt: VirtualTime, o: { serviceMs: number; stallAt: number; stallMs: number }): TransportFactory {
  return (_target, _corpus, opts, sink: Sink): Transport => {
    const limit = opts.connections;
    let inFlight = 0;
    let peak = 0;
    const intendedOnWire = new Set<number>();
    const answerAt = (arrived: number) => {
      const ready = arrived + o.serviceMs;
      return arrived < o.stallAt + o.stallMs && ready > o.stallAt ? ready + o.stallMs - Math.max(0, arrived - o.stallAt) : ready;
    };
    return {
      preflight: () => Promise.resolve(),
      available: () => inFlight < limit,
      send(_i, intended) {
        const sentAt = sink.now();
        inFlight++;
        peak = Math.max(peak, inFlight);
        intendedOnWire.add(intended);
        sink.sent(intended, sentAt);
        vt.after(answerAt(sentAt) - sentAt, () => {
          inFlight--;
          intendedOnWire.delete(intended);
          sink.response(intended, sentAt, sink.now(), 200);
          sink.freed();
        });
      },
      expire(cutoff) {
        for (const i of intendedOnWire) if (i <= cutoff) throw new Error(`request due at ${i} ms reached its timeout: the construction never should`);
      },
      get inFlight() {
        return inFlight;
      },
      connecting: 0,
      get connections() {
        return peak; // opened lazily and kept alive, as the raw pool does
      },
      get peakConnections() {
        return peak;
      },
      get opened() {
        return peak;
      },
      close() {},
    };
  };
}

/** The percentile distribution of exactly these latencies (ms), after the same encoding the result's histograms went through. */
function distributionOf(values: number[]): string {
  const h = newHistogram();
  for (const v of values) recordMs(h, v);
  return percentileDistribution(decode(encode(h)));
}

const { corpus } = tempCorpus();

describe("coordinated-omission correction through the whole engine", () => {
  // 100 req/s for 2 s (request k due at 10k ms, k = 0..199), no warmup, ONE connection. The server answers in
  // 0.5 ms, but freezes for 100 ms at t = 1000: request 100, sent on time at 1000, is answered at 1100.5.
  // (0.5 ms keeps every answer off the engine's whole-ms ticks, so no two events ever share a time.)
  //
  // By hand: the engine ticks exactly when each request is due (the timer sleeps until the next one). While
  // the connection is held, the ticks at 1010, 1020, ..., 1100 each find it busy and queue their request:
  // 10 requests. When the stalled answer lands at 1100.5 the queue drains back to back, 0.5 ms each: queued
  // request j (j = 1..10, due at 1000 + 10j) is sent at 1100 + 0.5j and answered at 1100.5 + 0.5j. The last
  // one is answered at 1105.5, long before 1110, so every later request again finds the connection free.
  //
  //   request 100:        service 100.5, corrected 100.5, send lag 0
  //   queued j = 1..10:   service 0.5,   corrected 1100.5 + 0.5j − (1000 + 10j) = 100.5 − 9.5j
  //                                       (91, 81.5, 72, ..., 5.5),   send lag 100 − 9.5j (90.5, ..., 5)
  //   the other 189:      service 0.5,   corrected 0.5, send lag 0
  //
  // An uncorrected (closed-loop) view — service time — sees one slow request in 200; corrected latency sees
  // the eleven that the stall delayed.
  const stalled = [100.5];
  const queued = Array.from({ length: 10 }, (_, k) => 100.5 - 9.5 * (k + 1));
  const correctedMs = [...Array(189).fill(0.5), ...stalled, ...queued];
  const serviceMs = [...Array(199).fill(0.5), ...stalled];
  const sendLagMs = [...Array(190).fill(0), ...queued.map((c) => c - 0.5)];

  let result: Promise<LoadResult> | null = null;
  const run = () => {
    if (!result) {
      const vt = new VirtualTime();
      const input = { corpus, rps: 100, durationMs: 2000, warmupMs: 0, connections: 1, now: vt.now };
      result = vt.drive(runLoad(input, {}, { timer: () => vt.timer, transport: stallingServer(vt, { serviceMs: 0.5, stallAt: 1000, stallMs: 100 }) }));
    }
    return result;
  };

  test("every request is accounted once, and only the queued ones waited", async () => {
    const r = await run();
    expect(r.counts).toEqual({ scheduled: 200, ok: 200, httpError: 0, byStatus: {}, timeout: 0, timeoutUnsent: 0, transport: 0, byKind: {} });
    expect(r.accounted).toBe(true);
    expect(r.connections).toEqual({ limit: 1, peak: 1, opened: 1, waited: 10, maxQueue: 10 });
    expect({ measuredMs: r.measuredMs, achievedRps: r.achievedRps, throughputRps: r.throughputRps }).toEqual({ measuredMs: 2000, achievedRps: 100, throughputRps: 100 });
  });

  test("corrected latency shows the stall; service time (the uncorrected view) hides it", async () => {
    const { corrected, service, sendLag, scheduleLag } = (await run()).latency;
    // Percentiles are HdrHistogram's: the top of the value's bucket, exact below 2.048 ms, 64 µs wide between
    // 65.536 and 131.072 ms. Of the 200 sorted corrected values, p99 is the 198th (81.5 ms → 81.535) and
    // p99.9 the 200th (100.5 ms → 100.543); p90 (the 180th) is still 0.5 ms. max is the value itself. The
    // mean is (189 × 0.5 + 100.5 + Σ(100.5 − 9.5j)) / 200 = (94.5 + 100.5 + 482.5) / 200 = 3.3875, which
    // HdrHistogram (from bucket midpoints, rounded to the µs) reports as 3.388.
    expect(corrected).toEqual({ count: 200, min: 0.5, mean: 3.388, p50: 0.5, p90: 0.5, p99: 81.535, p99_9: 100.543, max: 100.5 });
    // Service: 199 answers in 0.5 ms and one in 100.5 (mean (99.5 + 100.5) / 200 = 1); even p99 (the 198th) is 0.5.
    expect(service).toEqual({ count: 200, min: 0.5, mean: 1, p50: 0.5, p90: 0.5, p99: 0.5, p99_9: 100.543, max: 100.5 });
    // Send lag is the difference: only the queued ten were late onto the wire. The schedule itself never slipped.
    expect([sendLag.count, sendLag.p99, sendLag.max, sendLag.min]).toEqual([200, 71.551, 90.5, 0]);
    expect([scheduleLag.count, scheduleLag.max]).toEqual([200, 0]);
  });

  test("the recorded distributions are exactly the hand-computed ones", async () => {
    const h = decodeHistograms((await run()).histograms);
    expect(percentileDistribution(h.corrected)).toBe(distributionOf(correctedMs));
    expect(percentileDistribution(h.service)).toBe(distributionOf(serviceMs));
    expect(percentileDistribution(h.sendLag)).toBe(distributionOf(sendLagMs));
    expect(percentileDistribution(h.scheduleLag)).toBe(distributionOf(Array(200).fill(0)));
  });

  test("the stall lands in the second window: the pool was held, and no answer came for 90.5 ms", async () => {
    const [w0, w1] = (await run()).windows;
    // Window 1 = [1000, 2000). The pool was full from 1010 (the first request that found it busy) until the
    // queue emptied at 1105: 95 ms. The last answer before the wait was at 990.5 and the wait began at 1010,
    // so the silence runs 1010 → 1100.5; the ten answers at 1100.5 ... 1105 came while requests still waited.
    // Its p99 is the 99th of its 100 corrected values: 91 ms → 91.007.
    const pick = (w: typeof w0) => ({ scheduled: w!.scheduled, sent: w!.sent, completed: w!.completed, errors: w!.errors, p99: w!.p99, poolFullMs: w!.poolFullMs, heldAnswers: w!.heldAnswers, longestSilenceMs: w!.longestSilenceMs });
    expect(pick(w0)).toEqual({ scheduled: 100, sent: 100, completed: 100, errors: 0, p99: 0.5, poolFullMs: 0, heldAnswers: 0, longestSilenceMs: 0 });
    expect(pick(w1)).toEqual({ scheduled: 100, sent: 100, completed: 100, errors: 0, p99: 91.007, poolFullMs: 95, heldAnswers: 10, longestSilenceMs: 90.5 });
  });
});

describe("the timer's grain is the floor of the generator's own lateness", () => {
  // 1,500 req/s: requests 0.667 ms apart, a server that answers in 0.2 ms and never stalls. The engine sleeps
  // whole ticks of its timer's grain until the next request is due, so a request goes out up to one tick late:
  // with whole milliseconds (`--timer ms`, setTimeout's and wrk2's grain) that is most of a millisecond; with
  // `--timer precise`'s 0.1 ms, at most 0.1 ms. The server's own time is the same in both.
  const runWith = (tickMs: number) => {
    const vt = new VirtualTime();
    const input = { corpus, rps: 1500, durationMs: 2000, warmupMs: 0, connections: 64, now: vt.now };
    return vt.drive(runLoad(input, {}, { timer: () => vt.timerOf(tickMs), transport: stallingServer(vt, { serviceMs: 0.2, stallAt: Infinity, stallMs: 0 }) }));
  };

  test("whole-ms ticks send requests up to 0.667 ms late here; 0.1 ms ticks, up to 0.067 ms", async () => {
    const [ms, precise] = [await runWith(1), await runWith(0.1)];
    for (const r of [ms, precise]) {
      expect(r.counts.ok).toBe(3000);
      expect([r.latency.service.min, r.latency.service.max]).toEqual([0.2, 0.2]);
    }
    // Request k is due at 2k/3 ms. Whole-ms ticks: due at 0.667 → sent at 1 (0.333 late), 1.333 → 2 (0.667),
    // 2 → 2 (0). 0.1 ms ticks: 0.667 → 0.7 (0.033), 1.333 → 1.4 (0.067), 2 → 2 (0). Real timers add their own
    // wake-up latency on top (FINDINGS §41 measures both).
    expect([ms.latency.scheduleLag.mean, ms.latency.scheduleLag.max]).toEqual([0.333, 0.667]);
    expect([precise.latency.scheduleLag.mean, precise.latency.scheduleLag.max]).toEqual([0.033, 0.067]);
    expect([ms.latency.corrected.max, precise.latency.corrected.max]).toEqual([0.867, 0.267]);
  });
});
