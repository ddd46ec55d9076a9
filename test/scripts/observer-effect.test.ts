import { describe, expect, test } from "bun:test";
import { type Condition, parseConditions, roundOrder } from "../../scripts/observer-effect/conditions.ts";
import { cpuUsPerRequest, parseCounters, parseWrk } from "../../scripts/observer-effect/measure.ts";
import { type Measurements, type Run, runRounds } from "../../scripts/observer-effect/rounds.ts";
import { pairedDeltaPct, spread, summarizeConditions, summaryLines } from "../../scripts/observer-effect/summary.ts";

const run = (round: number, condition: Condition, wrkRps: number, cpu: number, p99: number, loadValid = true): Run => ({
  round, condition, wrkRps, cpuUsPerRequest: cpu, fixedRps: 500, p50Ms: 1, p99Ms: p99, loadValid, loadReasons: [], observer: null,
});

describe("conditions", () => {
  test("parseConditions keeps the order given and insists on a baseline", () => {
    expect(parseConditions("baseline, trace,cpu100")).toEqual(["baseline", "trace", "cpu100"]);
    expect(parseConditions("baseline,heap")).toEqual({ error: "--conditions: expected some of baseline, cpu100, rates, trace, got 'heap'" });
    expect(parseConditions("cpu100")).toEqual({ error: "--conditions: must include baseline (every delta is against it)" });
  });

  test("rounds rotate by one; round 1 starts with the baseline", () => {
    const all: Condition[] = ["cpu100", "baseline", "rates"];
    expect(roundOrder(all, 1)).toEqual(["baseline", "cpu100", "rates"]);
    expect(roundOrder(all, 2)).toEqual(["baseline", "rates", "cpu100"]);
    expect(roundOrder(all, 3)).toEqual(["rates", "cpu100", "baseline"]);
    expect(roundOrder(all, 4)).toEqual(["cpu100", "baseline", "rates"]);
  });
});

describe("measurements", () => {
  test("counters from a /metrics scrape: CPU seconds, and requests summed over every label set", () => {
    const text = [
      "# TYPE process_cpu_seconds_total counter",
      "process_cpu_seconds_total 12.5",
      'enrich_http_requests_total{route="/enrich",status="200"} 1000',
      'enrich_http_requests_total{route="/healthz",status="200"} 3',
      'enrich_http_requests_total_other{route="/enrich"} 99',
    ].join("\n");
    expect(parseCounters(text)).toEqual({ cpu: 12.5, requests: 1003 });
    expect(Number.isNaN(parseCounters("").cpu)).toBe(true);
  });

  test("CPU per request in µs, and never a division by zero", () => {
    expect(cpuUsPerRequest({ cpu: 10, requests: 1000 }, { cpu: 10.5, requests: 3000 })).toBeCloseTo(250, 9);
    expect(cpuUsPerRequest({ cpu: 1, requests: 5 }, { cpu: 1.001, requests: 5 })).toBeCloseTo(1000, 6);
  });

  test("wrk's rate, refused when it saw errors or printed none", () => {
    expect(parseWrk("  Latency 1ms\nRequests/sec:  12345.67\nTransfer/sec: 1MB\n", "")).toBe(12345.67);
    expect(() => parseWrk("Requests/sec: 10\n  Non-2xx or 3xx responses: 4\n", "")).toThrow("wrk saw non-2xx responses");
    expect(() => parseWrk("", "unable to connect\n")).toThrow("wrk printed no rate: unable to connect");
  });
});

describe("from rounds to ratios", () => {
  // Two rounds: the machine drifts 2× slower in round 2, the observer costs 10% in both.
  const runs = [run(1, "baseline", 1000, 100, 10), run(1, "cpu100", 900, 110, 12), run(2, "cpu100", 450, 220, 24, false), run(2, "baseline", 500, 200, 20)];

  test("each delta is against its own round's baseline, so drift cancels", () => {
    const d = pairedDeltaPct(runs.filter((r) => r.condition === "cpu100"), runs.filter((r) => r.condition === "baseline"), (r) => r.wrkRps);
    expect(d.n).toBe(2);
    expect(d.median).toBeCloseTo(-10, 9);
    expect(d.min).toBeCloseTo(-10, 9);
    expect(d.max).toBeCloseTo(-10, 9);
  });

  test("one row per condition: medians, paired deltas, validity", () => {
    const [base, cpu] = summarizeConditions(runs, ["baseline", "cpu100"]);
    expect(base!.condition).toBe("baseline");
    expect(base!.throughput).toEqual({ median: 750, min: 500, max: 1000, n: 2 });
    expect(base!.throughputDeltaPct.median).toBe(0);
    expect(base!.allLoadRunsValid).toBe(true);
    expect(cpu!.throughput).toEqual({ median: 675, min: 450, max: 900, n: 2 });
    expect(cpu!.cpuDeltaPct.median).toBeCloseTo(10, 9);
    expect(cpu!.p99DeltaPct.median).toBeCloseTo(20, 9);
    expect(cpu!.allLoadRunsValid).toBe(false);
  });

  test("the table prints the deltas with their range, and flags invalid load runs", () => {
    expect(spread({ median: 6, min: -6, max: 30 })).toBe("+6.0% [-6.0%, +30.0%]");
    const lines = summaryLines({
      variant: "v0", mix: "default", rounds: 2, durationS: 4, pinNote: "pinned", loadAverage: [1, 0.5],
      fixedRps: 500, table: summarizeConditions(runs, ["baseline", "cpu100"]),
      sampler: { pairs: 30, sliceMs: 200, results: [{ hz: 100, deltaPct: { median: -1, min: -2, max: 0.5, n: 30 } }] },
    });
    expect(lines[0]).toBe("observer effect: v0, default mix, 2 round(s) × 4s per run, pinned; load average at start 1.00 0.50");
    expect(lines[3]).toContain("p99 ms at 500 req/s");
    expect(lines[4]).toStartWith("baseline      750 (500–1000)");
    expect(lines[4]).not.toContain("%");
    expect(lines[5]).toContain("-10.0% [-10.0%, -10.0%]");
    expect(lines[5]).toContain("+10.0% [+10.0%, +10.0%]");
    expect(lines[5]).toEndWith("+20.0% [+20.0%, +20.0%]  (some load runs INVALID: generator fell behind)");
    expect(lines.at(-1)).toBe("    100 Hz: throughput -1.0% [-2.0%, +0.5%]");
  });
});

test("runRounds: every condition per round, observer around both runs, fixed rate from the first baseline", async () => {
  const calls: string[] = [];
  let wrkRps = 1001;
  const m: Measurements = {
    observe: async (c, spanS) => {
      calls.push(`observe ${c} ${spanS}`);
      return async () => (calls.push(`done ${c}`), c);
    },
    settle: async () => {},
    counters: async () => ({ cpu: calls.length, requests: calls.length * 1000 }),
    wrk: (s) => (calls.push(`wrk ${s}`), { rps: wrkRps-- }),
    load: async (rps) => (calls.push(`load ${rps}`), { p50: 1, p99: 2, throughput: rps, valid: true, reasons: [] }),
    log: () => {},
  };
  const runs = await runRounds({ conditions: ["trace", "baseline"], rounds: 2, durationS: 4 }, m);
  expect(runs.map((r) => `${r.round} ${r.condition}`)).toEqual(["1 baseline", "1 trace", "2 baseline", "2 trace"]);
  expect(calls.slice(0, 4)).toEqual(["observe baseline 11", "wrk 4", "load 501", "done baseline"]);
  expect(new Set(runs.map((r) => r.fixedRps))).toEqual(new Set([501]));
  expect(runs.map((r) => r.observer)).toEqual(["baseline", "trace", "baseline", "trace"]);
  const given = await runRounds({ conditions: ["baseline"], rounds: 1, durationS: 1, rps: 7 }, m);
  expect(given[0]!.fixedRps).toBe(7);
});
