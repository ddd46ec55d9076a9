import { describe, expect, test } from "bun:test";
import { ended, Recorder } from "../../src/load/recorder.ts";

// Every timestamp here is explicit: the recorder never reads a clock, so nothing sleeps.

describe("recorder accounting on a known set", () => {
  test("corrected = service + send lag, exactly, per request", () => {
    const r = new Recorder(0, 1000);
    // intended, due tick, sent, completed (ms after t0)
    const reqs = [
      [0, 0.5, 0.6, 1.6],
      [10, 10.2, 10.3, 12.3],
      [20, 20.9, 21.0, 321.0], // the stalled one: 300 ms of service
      [30, 30.1, 321.5, 322.5], // waited for the connection the stalled one held
    ] as const;
    for (const [i, due, sent, done] of reqs) {
      r.due(i, due);
      r.sent(i, sent);
      r.response(i, sent, done, 200);
    }
    const l = r.latency();
    expect([l.corrected.max, l.service.max, l.sendLag.max, l.scheduleLag.max]).toEqual([301, 300, 291.5, 0.9]);
    expect([l.corrected.min, l.service.min, l.sendLag.min, l.scheduleLag.min]).toEqual([1.6, 1, 0.3, 0.1]);
    expect(r.counts).toEqual({ scheduled: 4, ok: 4, httpError: 0, byStatus: {}, timeout: 0, timeoutUnsent: 0, transport: 0, byKind: {} });
  });

  test("every outcome is counted once and they add up to scheduled", () => {
    const r = new Recorder(100, 1100);
    const outcomes = ["ok", "500", "503", "timeout", "unsent", "refused"] as const;
    for (let k = 0; k < 60; k++) {
      const t = 100 + k * 10;
      r.due(t, t);
      const o = outcomes[k % outcomes.length]!;
      if (o !== "unsent") r.sent(t, t + 1);
      if (o === "ok") r.response(t, t + 1, t + 3, 200);
      else if (o === "500" || o === "503") r.response(t, t + 1, t + 3, Number(o));
      else if (o === "timeout") r.timeout(t, t + 1, t + 500);
      else if (o === "unsent") r.timeout(t, NaN, t + 500);
      else r.transportError(t, t + 2, "refused");
    }
    expect(r.counts).toEqual({
      scheduled: 60,
      ok: 10,
      httpError: 20,
      byStatus: { "500": 10, "503": 10 },
      timeout: 20,
      timeoutUnsent: 10,
      transport: 10,
      byKind: { refused: 10 },
    });
    expect(ended(r.counts)).toBe(60);
    // Timeouts enter corrected latency as a lower bound (500 ms), never service time.
    expect(r.latency().corrected.max).toBe(500);
    expect(r.latency().service.count).toBe(30);
  });

  test("warmup requests are accounted apart and never reach a histogram", () => {
    const r = new Recorder(1000, 2000);
    for (let t = 0; t < 2000; t += 100) {
      r.due(t, t);
      r.sent(t, t);
      r.response(t, t, t + (t < 1000 ? 999 : 5), 200);
    }
    expect([r.warmup.scheduled, r.warmup.ok, r.counts.scheduled, r.counts.ok]).toEqual([10, 10, 10, 10]);
    expect(r.latency().corrected.max).toBe(5);
  });

  test("windows count scheduled by intended time and sent by send time", () => {
    const r = new Recorder(0, 2000, 1000);
    for (let t = 0; t < 2000; t += 10) {
      r.due(t, t);
      const sent = t < 1000 ? t : t + 500; // the second second's sends slip half a second
      r.sent(t, sent);
    }
    const w0 = r.closeWindow(0, 1000, 0.2, 0.3);
    const w1 = r.closeWindow(1, 1000, 0.5, 0.6);
    expect([w0.scheduled, w0.sent, w1.scheduled, w1.sent]).toEqual([100, 100, 100, 50]);
    expect(r.sentInWindow).toBe(150);
  });
});

describe("waits for the server, by window", () => {
  const fields = (w: { poolFullMs: number; connectWaitMs: number; heldAnswers: number; longestSilenceMs: number; unsentErrors: number }) => ({
    pool: w.poolFullMs,
    connect: w.connectWaitMs,
    answers: w.heldAnswers,
    silence: w.longestSilenceMs,
    unsent: w.unsentErrors,
  });

  test("a wait is clipped to the measured period and split across the windows it spans", () => {
    const r = new Recorder(100, 3100, 1000); // windows [100,1100) [1100,2100) [2100,3100)
    r.held("pool", 50, 1400); // 50 ms of it in the warmup
    r.held("connect", 2000, 2300);
    r.held("pool", 3000, 3500); // 400 ms of it after the end
    const w = [0, 1, 2].map((i) => fields(r.closeWindow(i, 1000, NaN, NaN)));
    expect(w.map((x) => [x.pool, x.connect])).toEqual([[1000, 0], [300, 100], [100, 200]]);
  });

  test("answers during a wait count where they arrive; a silence counts where it ends", () => {
    const r = new Recorder(0, 2000, 1000);
    r.heldAnswer(10);
    r.heldAnswer(1500);
    r.heldAnswer(2500); // after the measured period: not counted
    r.silence(200, 1200); // 1,000 ms with no answer, ending in second 2
    r.silence(1300, 1350);
    r.silence(-500, 100); // started in the warmup: only its measured part
    const w = [0, 1].map((i) => fields(r.closeWindow(i, 1000, NaN, NaN)));
    expect(w.map((x) => [x.answers, x.silence])).toEqual([[1, 100], [1, 1000]]);
  });

  test("a silence that outlasts the measured period counts in its last window, even once it is closed", () => {
    const r = new Recorder(0, 2000, 1000);
    r.closeWindow(0, 1000, NaN, NaN);
    const last = r.closeWindow(1, 1000, NaN, NaN);
    r.silence(1500, 2800);
    r.silence(2100, 2900); // began after the end: not the run's
    expect(last.longestSilenceMs).toBe(1300);
    expect(r.windows[1]!.longestSilenceMs).toBe(1300);
  });

  test("transport errors before any byte was written are counted apart, by failure time", () => {
    const r = new Recorder(0, 2000, 1000);
    r.due(10, 10);
    r.transportError(10, 11, "refused", true);
    r.due(20, 20);
    r.transportError(20, 1500, "reset", false);
    r.due(30, 30);
    r.transportError(30, 1600, "refused", true);
    const w = [0, 1].map((i) => fields(r.closeWindow(i, 1000, NaN, NaN)));
    expect(w.map((x) => x.unsent)).toEqual([1, 1]);
    expect(r.counts.byKind).toEqual({ refused: 2, reset: 1 });
  });
});
