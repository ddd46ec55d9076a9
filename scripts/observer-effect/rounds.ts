/**
 * The measured rounds: every condition once per round, each run's observer
 * started first and spanning both of its measurements. The measurements are
 * passed in, so the schedule is the same whatever takes them.
 */
import { type Condition, roundOrder } from "./conditions.ts";
import { type Counters, cpuUsPerRequest, type LoadResult } from "./measure.ts";

export interface Run {
  round: number;
  condition: Condition;
  wrkRps: number;
  /** Server CPU time per request during the wrk run. */
  cpuUsPerRequest: number;
  fixedRps: number;
  p50Ms: number;
  p99Ms: number;
  loadValid: boolean;
  loadReasons: string[];
  observer: unknown;
}

export interface Measurements {
  /** Starts a condition's observer for `spanS` seconds; the returned function awaits its record. */
  observe(c: Condition, spanS: number): Promise<() => Promise<unknown>>;
  counters(): Promise<Counters>;
  wrk(seconds: number): { rps: number };
  load(rps: number): Promise<LoadResult>;
  /** Lets an observer's start-up settle before the first measurement. */
  settle(): Promise<void>;
  log(line: string): void;
}

/**
 * Runs `rounds` rounds over `conditions`. The fixed rate of the p99 runs is
 * `rps`, or half the first run's wrk throughput (the baseline's: round 1
 * starts with it).
 */
export async function runRounds(o: { conditions: readonly Condition[]; rounds: number; durationS: number; rps?: number }, m: Measurements): Promise<Run[]> {
  const runs: Run[] = [];
  let fixedRps = o.rps ?? 0;
  // The observer spans the wrk run, the load run and the gaps around them.
  const spanS = 2 * o.durationS + 3;
  for (let round = 1; round <= o.rounds; round++) {
    for (const condition of roundOrder(o.conditions, round)) {
      const done = await m.observe(condition, spanS);
      await m.settle();
      const c0 = await m.counters();
      const w = m.wrk(o.durationS);
      const c1 = await m.counters();
      const cpu = cpuUsPerRequest(c0, c1);
      if (!fixedRps) fixedRps = Math.max(1, Math.round(w.rps / 2));
      const l = await m.load(fixedRps);
      const observer = await done();
      runs.push({ round, condition, wrkRps: w.rps, cpuUsPerRequest: cpu, fixedRps, p50Ms: l.p50, p99Ms: l.p99, loadValid: l.valid, loadReasons: l.reasons, observer });
      m.log(`round ${round} ${condition.padEnd(8)} wrk ${w.rps.toFixed(0)} req/s, ${cpu.toFixed(0)} µs CPU/req; at ${fixedRps} req/s p50 ${l.p50.toFixed(2)} ms p99 ${l.p99.toFixed(2)} ms${l.valid ? "" : " (INVALID run)"}\n`);
    }
  }
  return runs;
}
