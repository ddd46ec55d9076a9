import { describe, expect, test } from "bun:test";
import { findMax, verdictOf } from "../../src/load/find-max.ts";
import { curveTable, figureText } from "../../src/load/report.ts";
import type { LoadInput } from "../../src/load/options.ts";
import type { LoadResult } from "../../src/load/result.ts";

/**
 * A model of a server and a generator instead of real runs, so the search
 * itself is tested exactly and instantly: p99 grows with the rate past the
 * knee, the generator cannot hold more than `generatorLimit`, and above
 * `serverCap` the server holds every connection (a valid, server-limited
 * run) with the given p99.
 */
function model(opts: { knee: number; generatorLimit?: number; errorsFrom?: number; serverCap?: number; cappedP99?: number }) {
  const tried: number[] = [];
  const run = async (input: LoadInput): Promise<LoadResult> => {
    const rps = input.rps;
    tried.push(rps);
    const invalid = rps > (opts.generatorLimit ?? Infinity);
    const capped = !invalid && rps > (opts.serverCap ?? Infinity);
    const p99 = capped ? opts.cappedP99! : rps <= opts.knee ? 5 : 5 + (rps - opts.knee);
    const errors = rps >= (opts.errorsFrom ?? Infinity) ? 3 : 0;
    return {
      offeredRps: rps,
      achievedRps: invalid ? opts.generatorLimit! : capped ? opts.serverCap! : rps,
      validity: {
        valid: !invalid,
        reasons: invalid ? ["achieved rate too low"] : [],
        notes: [],
        checks: {},
        limitedBy: invalid ? "generator" : capped ? "server" : null,
        server: capped ? { state: "saturated" } : null,
      },
      counts: { scheduled: rps, ok: rps - errors, httpError: errors, byStatus: {}, timeout: 0, timeoutUnsent: 0, transport: 0, byKind: {} },
      latency: { corrected: { count: rps, min: 1, mean: 2, p50: 2, p90: 4, p99, p99_9: p99 * 2, max: p99 * 3 } },
      url: "http://model/",
    } as unknown as LoadResult;
  };
  return { run, tried };
}

const base = { corpus: "unused.ndjson", p99Ms: 100 };

describe("find-max", () => {
  test("doubles to the first failure, then bisects to the knee; the figure is the highest passing rate", async () => {
    // p99 ≤ 100 ms holds up to rps = knee + 95.
    const m = model({ knee: 1000 });
    const f = await findMax({ ...base, startRps: 100 }, {}, m.run);
    expect(m.tried.slice(0, 6)).toEqual([100, 200, 400, 800, 1600, 1200]);
    expect(f.maxRps).not.toBeNull();
    expect(f.maxRps!).toBeLessThanOrEqual(1095);
    expect(f.maxRps!).toBeGreaterThanOrEqual(1095 / 1.05);
    expect(f.limitedBy).toBe("server-p99");
    expect(f.steps.map((s) => s.verdict)).toContain("p99");
  });

  test("an invalid step never counts: the figure stops below the generator's limit and says so", async () => {
    const m = model({ knee: 1_000_000, generatorLimit: 3000 });
    const f = await findMax({ ...base, startRps: 1000 }, {}, m.run);
    expect(f.maxRps!).toBeLessThanOrEqual(3000);
    expect(f.limitedBy).toBe("generator");
    for (const s of f.steps) if (s.rps > 3000) expect(s.verdict).toBe("invalid");
  });

  test("errors fail a step even under the p99 threshold", async () => {
    const m = model({ knee: 1_000_000, errorsFrom: 500 });
    const f = await findMax({ ...base, startRps: 100 }, {}, m.run);
    expect(f.limitedBy).toBe("server-errors");
    expect(f.maxRps!).toBeLessThan(500);
  });

  test("the cap and the step budget end the search", async () => {
    const capped = await findMax({ ...base, startRps: 100, maxRps: 300 }, {}, model({ knee: 1e9 }).run);
    expect({ max: capped.maxRps, by: capped.limitedBy, rates: capped.steps.map((s) => s.rps) }).toEqual({ max: 300, by: "max-rps", rates: [100, 200, 300] });
    const budget = await findMax({ ...base, startRps: 100, maxSteps: 2 }, {}, model({ knee: 1e9 }).run);
    expect({ max: budget.maxRps, by: budget.limitedBy }).toEqual({ max: 200, by: "steps" });
  });

  test("when the first step fails the search walks down", async () => {
    const m = model({ knee: 10 });
    const f = await findMax({ ...base, startRps: 1000 }, {}, m.run);
    expect(m.tried.slice(0, 4)).toEqual([1000, 500, 250, 125]);
    expect(f.maxRps!).toBeLessThanOrEqual(105);
  });

  test("a server that holds every connection above its cap limits the search: the server is named, never the generator", async () => {
    // Its p99 shows it (long steps): server-p99, and the figure says how the server held the step back.
    const slow = await findMax({ ...base, startRps: 100 }, {}, model({ knee: 1e9, serverCap: 300, cappedP99: 900 }).run);
    const failed = new Set(slow.steps.filter((s) => s.verdict !== "pass").map((s) => `${s.verdict} ${s.limitedBy} ${s.server}`));
    expect({ by: slow.limitedBy, max: slow.maxRps, failed: [...failed] }).toEqual({ by: "server-p99", max: 300, failed: ["p99 server saturated"] });
    expect(figureText(slow)).toMatch(/above it the server's corrected p99 exceeds the threshold; at \d+ rps the server saturated, holding every connection\)$/);
    // Its p99 hides it (a short step, a generous threshold): still a failure, as the server did not take the rate.
    const short = await findMax({ ...base, startRps: 100 }, {}, model({ knee: 1e9, serverCap: 300, cappedP99: 50 }).run);
    expect({ by: short.limitedBy, max: short.maxRps! <= 300 }).toEqual({ by: "server-saturated", max: true });
    expect(figureText(short)).not.toContain("GENERATOR");
  });

  test("verdicts", async () => {
    const m = model({ knee: 100 });
    expect(verdictOf(await m.run({ corpus: "", rps: 50 }), 100)).toBe("pass");
    expect(verdictOf(await m.run({ corpus: "", rps: 500 }), 100)).toBe("p99");
    const ok = await m.run({ corpus: "", rps: 50 });
    const refused = { ...ok, counts: { ...ok.counts, transport: 40 } };
    expect(verdictOf({ ...refused, validity: { ...ok.validity, valid: false, limitedBy: "server" } }, 100), "an error storm of refused connects is the server's").toBe("errors");
    expect(verdictOf({ ...refused, validity: { ...ok.validity, valid: false, limitedBy: "generator" } }, 100)).toBe("invalid");
  });
});

test("--retries re-runs only invalid steps; a valid retry counts, a p99 failure is never retried", async () => {
  let calls = 0;
  const flaky = model({ knee: 1000 });
  // The first run of every rate is disturbed (invalid); the retry is the model's honest answer.
  const seen = new Set<number>();
  const run = async (input: LoadInput) => {
    calls++;
    const r = await flaky.run(input);
    if (!seen.has(input.rps)) {
      seen.add(input.rps);
      return { ...r, validity: { ...r.validity, valid: false, reasons: ["schedule lag"] } } as LoadResult;
    }
    return r;
  };
  const f = await findMax({ ...base, startRps: 800, retries: 1, maxSteps: 3 }, {}, run);
  expect(f.steps.map((s) => [s.rps, s.attempt, s.verdict])).toEqual([
    [800, 1, "invalid"], [800, 2, "pass"],
    [1600, 1, "invalid"], [1600, 2, "p99"],
    [1200, 1, "invalid"], [1200, 2, "p99"],
  ]);
  expect(f.maxRps).toBe(800);
  expect(calls).toBe(6);
  const honest = model({ knee: 1000 });
  await findMax({ ...base, startRps: 100, retries: 3 }, {}, honest.run);
  expect(new Set(honest.tried).size, "no rate run twice when nothing was invalid").toBe(honest.tried.length);
});

test("a failure while the host stole the CPUs is STOLEN: re-run like an invalid one; a pass under steal stands; all attempts stolen names the host", async () => {
  const stolenWindows = [{ hostSteal: 0.01 }, { hostSteal: 0.3 }, { hostSteal: Number.NaN }];
  const honest = model({ knee: 1000 });
  // Every step's first run has one second at 30% steal; the retry is quiet.
  const seen = new Set<number>();
  const once = async (input: LoadInput) => {
    const r = await honest.run(input);
    const first = !seen.has(input.rps);
    seen.add(input.rps);
    return { ...r, windows: first ? stolenWindows : [{ hostSteal: 0 }] } as unknown as LoadResult;
  };
  const f = await findMax({ ...base, startRps: 800, retries: 1, maxSteps: 3 }, {}, once);
  expect(f.steps.map((s) => [s.rps, s.attempt, s.verdict, s.hostSteal])).toEqual([
    [800, 1, "pass", 0.3],
    [1600, 1, "stolen", 0.3], [1600, 2, "p99", 0],
    [1200, 1, "stolen", 0.3], [1200, 2, "p99", 0],
  ]);
  expect({ max: f.maxRps, by: f.limitedBy }).toEqual({ max: 800, by: "server-p99" });
  expect(curveTable(f)).toContain("STOLEN: the host took up to 30% of a CPU in one second: no verdict on the server");

  // Steal in every attempt above 1,000: the figure says the host stopped it, not the server.
  const always = async (input: LoadInput) => ({ ...(await model({ knee: 1000 }).run(input)), windows: input.rps > 1000 ? stolenWindows : [] }) as unknown as LoadResult;
  const g = await findMax({ ...base, startRps: 800, retries: 1, maxSteps: 3 }, {}, always);
  expect({ max: g.maxRps, by: g.limitedBy }).toEqual({ max: 800, by: "host-steal" });
  expect(figureText(g)).toContain("above it THE HOST stole the CPUs in every attempt");
  // --max-steal 1 turns it off: the same steps are the server's p99 failures.
  const off = await findMax({ ...base, startRps: 800, retries: 1, maxSteps: 3, maxSteal: 1 }, {}, always);
  expect(off.limitedBy).toBe("server-p99");
});

test("a step the caller aborted is not evidence: the search stops with what it had", async () => {
  const ctrl = new AbortController();
  const m = model({ knee: 1e9 });
  const run = async (input: LoadInput) => {
    const r = await m.run(input);
    if (input.rps === 400) {
      ctrl.abort();
      return { ...r, aborted: true } as LoadResult;
    }
    return r;
  };
  const f = await findMax({ ...base, startRps: 100 }, { signal: ctrl.signal }, run);
  expect({ rates: f.steps.map((s) => s.rps), max: f.maxRps }).toEqual({ rates: [100, 200], max: 200 });
});
