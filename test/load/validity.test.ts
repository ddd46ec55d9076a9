import { describe, expect, test } from "bun:test";
import type { WindowStats } from "../../src/load/recorder.ts";
import { judge, serverExplains, shortfallCause, type Validity } from "../../src/load/validity.ts";
import { LOAD_DEFAULTS } from "../../src/config.ts";

// The judge is pure: every case is a hand-built set of windows, so each rule and each
// attribution (generator, server held the connections, server refused them) is exact.

const rules = { maxLagMs: LOAD_DEFAULTS.maxLagMs, minWindowRatio: LOAD_DEFAULTS.minWindowRatio, maxCpu: LOAD_DEFAULTS.maxCpu };

/** A one-second window; `held` adds the server-side fields (ms every connection was occupied, etc.). */
const win = (index: number, scheduled: number, sent: number, cpuProcess = 0.3, held: Partial<WindowStats> = {}): WindowStats => ({
  index,
  startMs: index * 1000,
  lengthMs: 1000,
  scheduled,
  sent,
  completed: sent,
  errors: 0,
  p99: 1,
  cpuThread: cpuProcess * 0.9,
  cpuProcess,
  poolFullMs: 0,
  connectWaitMs: 0,
  heldAnswers: 0,
  longestSilenceMs: 0,
  unsentErrors: 0,
  hostSteal: 0,
  ...held,
});
const input = (windows: WindowStats[], lag = 1, connectionWaits = 0, connections = 64) => ({ scheduleLagP99Ms: lag, windows, connectionWaits, connections, clamped: 0 });

/** The verdict in one object: what every test below compares. */
const verdict = (v: Validity) => ({ valid: v.valid, limitedBy: v.limitedBy, state: v.server?.state ?? null, reasons: v.reasons.length });

describe("validity rules: the generator's own limits", () => {
  test("a run that kept its schedule is valid, nothing held it back", () => {
    const v = judge(input([win(0, 1000, 999), win(1, 1000, 1001)]), rules);
    expect({ ...verdict(v), reasons: v.reasons, server: v.server }).toEqual({ valid: true, limitedBy: null, state: null, reasons: [], server: null });
    expect(v.checks.worstWindow).toEqual({ index: 0, scheduled: 1000, sent: 999, ratio: 0.999 });
  });

  test("schedule lag over the limit", () => {
    const v = judge(input([win(0, 100, 100)], 25), rules);
    expect({ valid: v.valid, limitedBy: v.limitedBy }).toEqual({ valid: false, limitedBy: "generator" });
    expect(v.reasons).toEqual(["schedule lag p99 25ms > 10ms: the generator fell behind its own schedule"]);
  });

  test("one window under 99% of its schedule, with no wait for the server, names that second and the generator", () => {
    const v = judge(input([win(0, 1000, 1000), win(1, 1000, 980), win(2, 1000, 1000)]), rules);
    expect(verdict(v)).toEqual({ valid: false, limitedBy: "generator", state: null, reasons: 1 });
    expect(v.reasons[0]).toBe("achieved rate 980/s in second 2 is 98.0% of the 1000 scheduled (< 99%); no request waited for a connection then: the generator did not send them");
  });

  test("one request of slack at a window edge does not invalidate a low rate", () => {
    expect(judge(input([win(0, 50, 49), win(1, 50, 51)]), rules).valid).toBe(true);
  });

  test("a generator process at a full core", () => {
    const v = judge(input([win(0, 1000, 1000, 0.5), win(1, 1000, 1000, 1)]), rules);
    expect(v.reasons).toEqual(["generator process at 100% of a core (JS thread 90%) in second 2 (limit 95%): it is saturated"]);
    expect([v.checks.peakCpuProcess, v.checks.peakCpuThread, v.limitedBy]).toEqual([1, 0.9, "generator"]);
  });

  test("every failed rule is reported, not just the first", () => {
    expect(judge(input([win(0, 1000, 100, 1)], 50), rules).reasons).toHaveLength(3);
  });

  test("lag without a busy process points at the machine, not the harness", () => {
    const v = judge(input([win(0, 1000, 1000, 0.3)], 40), rules);
    expect(v.notes).toEqual(["the generator lagged while using at most 30% of a core: its core was likely busy with other work (or its event loop was blocked)"]);
  });

  test("results written before the server-side fields existed are judged as before", () => {
    const old = { ...win(0, 1000, 500) } as Partial<WindowStats>;
    for (const k of ["poolFullMs", "connectWaitMs", "heldAnswers", "longestSilenceMs", "unsentErrors"] as const) delete old[k];
    const v = judge(input([old as WindowStats], 1, 400), rules);
    expect(verdict(v)).toEqual({ valid: false, limitedBy: "generator", state: null, reasons: 1 });
    expect(v.checks).toMatchObject({ poolFullMs: 0, connectWaitMs: 0, longestSilenceMs: 0 });
  });
});

describe("validity rules: the server held the sends back", () => {
  // 1,000 req/s, 32 connections: a 1 s stall starting 300 ms into second 2 fills the pool in 32 ms;
  // every request due after that waits for a connection until the stall ends in second 3.
  const stall = [
    win(0, 1000, 1000),
    win(1, 1000, 332, 0.05, { poolFullMs: 668, heldAnswers: 0, longestSilenceMs: 0 }),
    win(2, 1000, 1668, 0.1, { poolFullMs: 380, heldAnswers: 1700, longestSilenceMs: 1000 }),
    win(3, 1000, 1000),
  ];

  test("a stall: valid, limited by the server, labelled stalled, and the advice is not more connections", () => {
    const v = judge(input(stall, 1.5, 968, 32), rules);
    expect(verdict(v)).toEqual({ valid: true, limitedBy: "server", state: "stalled", reasons: 0 });
    expect(v.server).toEqual({
      state: "stalled",
      poolFullShare: 0.262,
      connectWaitShare: 0,
      longestSilenceMs: 1000,
      heldAnswerRps: 1622.14,
      offeredRps: 1000,
      windows: [1],
      connections: 32,
      summary: "server stalled: it answered nothing for up to 1000 ms while all 32 connections were waiting for answers for 26% of the measured period; sends were held back in second 2",
      meaning: expect.stringContaining("corrected latency counts from each request's intended start"),
      advice: expect.stringMatching(/^more --connections would not help/),
    });
    expect(v.notes, "the wait count is part of the server's story, not a separate note").toEqual([]);
    expect(JSON.stringify(v)).not.toContain("raise --connections");
  });

  test("a server capped below the offered rate: saturated, and the advice is the rate it sustains", () => {
    const capped = [0, 1, 2].map((i) => win(i, 200, 100, 0.02, { poolFullMs: 1000, heldAnswers: 100, longestSilenceMs: 12 }));
    const v = judge(input(capped, 1, 300, 16), rules);
    expect(verdict(v)).toEqual({ valid: true, limitedBy: "server", state: "saturated", reasons: 0 });
    expect(v.server!.summary).toBe(
      "server saturated: all 16 connections were waiting for answers for 100% of the measured period, answering 100/s of the 200/s offered while they waited; sends were held back in seconds 1, 2, 3",
    );
    expect(v.server!.advice).toStartWith("this rate is above what the server takes: use --find-max");
  });

  test("saturated wins over a stall when the connections were held most of the time", () => {
    const v = judge(input([win(0, 200, 100, 0.02, { poolFullMs: 900, heldAnswers: 90, longestSilenceMs: 400 })]), rules);
    expect(v.server!.state).toBe("saturated");
  });

  test("fell behind: held for a while, answering steadily, then caught up", () => {
    const v = judge(input([win(0, 1000, 1000), win(1, 1000, 900, 0.1, { poolFullMs: 100, heldAnswers: 90, longestSilenceMs: 20 }), win(2, 1000, 1100)]), rules);
    expect(verdict(v)).toEqual({ valid: true, limitedBy: "server", state: "behind", reasons: 0 });
    expect(v.server!.summary).toStartWith("server fell behind: all 64 connections were waiting for answers for 3% of the measured period");
  });

  test("still holding sends back in the last window, without a stall: saturated (it had not caught up by the end)", () => {
    const behindAtEnd = [win(0, 1000, 1000), win(1, 1000, 1000), win(2, 1000, 900, 0.1, { poolFullMs: 100, heldAnswers: 90, longestSilenceMs: 20 })];
    expect(judge(input(behindAtEnd), rules).server!.state).toBe("saturated");
    const stalledAtEnd = [win(0, 1000, 1000), win(1, 1000, 700, 0.1, { poolFullMs: 300, heldAnswers: 0, longestSilenceMs: 300 })];
    expect(judge(input(stalledAtEnd), rules).server!.state, "a stall is a stall wherever it falls").toBe("stalled");
  });

  test("a silence is a stall only when it is far longer than the server's usual gap between answers", () => {
    // 50 answers in 500 ms held: a 10 ms mean gap; 150 ms without one is a stall, 30 ms is not.
    const at = (silence: number) => judge(input([win(0, 1000, 500, 0.1, { poolFullMs: 500, heldAnswers: 50, longestSilenceMs: silence }), win(1, 1000, 1500)]), rules).server!.state;
    expect([at(150), at(99), at(30)]).toEqual(["stalled", "behind", "behind"]);
    const slow = judge(input([win(0, 1000, 500, 0.1, { poolFullMs: 500, heldAnswers: 2, longestSilenceMs: 300 }), win(1, 1000, 1500)]), rules);
    expect(slow.server!.state, "300 ms silences between answers 250 ms apart are its pace, not a stall").toBe("behind");
  });

  test("connects the server did not accept (unbounded connections, a full listen backlog)", () => {
    const v = judge(input([win(0, 1000, 760, 0.1, { connectWaitMs: 400, heldAnswers: 0, longestSilenceMs: 480 }), win(1, 1000, 1240)], 1, 0, Infinity), rules);
    expect(verdict(v)).toEqual({ valid: true, limitedBy: "server", state: "stalled", reasons: 0 });
    expect(v.server!.summary).toContain("new connections waited for the server to accept them for 20% of the measured period");
    expect(v.server!.connections).toBe("unbounded");
    expect(v.server!.advice).toStartWith("do not add connections: the server is not accepting them in time");
  });

  test("the waits must account for the whole shortfall; what they do not is the generator's", () => {
    // 100 ms held explains ~100 + 10 (lag) + 30 (3σ) + 2 of 1,000 req/s; 400 missing is not explained.
    const v = judge(input([win(0, 1000, 600, 0.2, { poolFullMs: 100, heldAnswers: 10 })], 1, 80), rules);
    expect(verdict(v)).toEqual({ valid: false, limitedBy: "generator", state: null, reasons: 1 });
    expect(v.reasons[0]).toEndWith("; waits for the server (100ms of that second) and requests it refused (0) account for at most 142 of the 400 missing: the generator did not send the rest");
  });

  test("held sends on a generator that was itself behind stay invalid, with the server's part as a note", () => {
    const held = win(0, 1000, 500, 0.3, { poolFullMs: 500, longestSilenceMs: 500 });
    for (const [lag, cpu] of [[30, 0.3], [1, 1]] as const) {
      const v = judge(input([{ ...held, cpuProcess: cpu, cpuThread: cpu * 0.9 }, win(1, 1000, 1500, cpu)], lag), rules);
      expect(verdict(v)).toEqual({ valid: false, limitedBy: "generator", state: "stalled", reasons: 1 });
      expect(v.notes.some((n) => n.startsWith("server stalled") && n.includes("cannot be told from its own slowness"))).toBe(true);
    }
  });

  test("requests the server refused before they were sent: an error storm stays invalid, but it is the server's", () => {
    const v = judge(input([win(0, 200, 100, 0.05, { unsentErrors: 100 }), win(1, 100, 0, 0.05, { unsentErrors: 100 })]), rules);
    expect(verdict(v)).toEqual({ valid: false, limitedBy: "server", state: null, reasons: 1 });
    expect(v.reasons[0]).toContain("100 requests failed below HTTP before they could be sent");
  });

  test("waits with no window short of its schedule are a note, not a label", () => {
    const v = judge(input([win(0, 1000, 1000, 0.3, { poolFullMs: 5, heldAnswers: 30 })], 1, 40), rules);
    expect({ ...verdict(v), notes: v.notes }).toEqual({ valid: true, limitedBy: null, state: null, reasons: 0, notes: ["40 requests waited for a free connection (counted from their intended start)"] });
    expect(v.checks.poolFullMs).toBe(5);
  });
});

test("shortfallCause and serverExplains at their boundaries", () => {
  const w = (sent: number, held: Partial<WindowStats>) => win(0, 1000, sent, 0.1, held);
  const limit = serverExplains(w(0, {}), 200, 10); // 1/ms × 210 ms + 3·√200 + 2
  expect(limit).toBeCloseTo(210 + 3 * Math.sqrt(200) + 2, 9);
  expect(shortfallCause(w(1000 - Math.floor(limit), { poolFullMs: 200 }))).toBe("server-held");
  expect(shortfallCause(w(1000 - Math.floor(limit) - 1, { poolFullMs: 200 }))).toBe("generator");
  expect(shortfallCause(w(1000 - Math.floor(limit) - 1, { connectWaitMs: 200 }))).toBe("generator");
  expect(shortfallCause(w(1000 - Math.floor(limit) - 1, { poolFullMs: 200, unsentErrors: 2 }))).toBe("server-failed");
  expect(shortfallCause(w(900, {})), "no wait at all").toBe("generator");
  expect(shortfallCause(w(900, { unsentErrors: 99 }))).toBe("server-failed");
});

describe("the host's steal", () => {
  test("a window the hypervisor took over 5% of a CPU from is noted, and the run stays valid", () => {
    const v = judge(input([win(0, 1000, 1000), win(1, 1000, 1000, 0.3, { hostSteal: 0.123 }), win(2, 1000, 1000, 0.3, { hostSteal: 0.06 })]), rules);
    expect(v.valid).toBe(true);
    expect(v.notes).toEqual(["the host stole up to 12% of a CPU from this VM in second 2 (and 1 other second over 5%): latency and rate include the hypervisor's, not only the server's"]);
  });

  test("steal at or under 5%, or unknown, says nothing", () => {
    const v = judge(input([win(0, 1000, 1000, 0.3, { hostSteal: 0.05 }), win(1, 1000, 1000, 0.3, { hostSteal: NaN })]), rules);
    expect(v.notes).toEqual([]);
  });
});
