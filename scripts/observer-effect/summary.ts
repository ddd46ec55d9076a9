/**
 * From runs to the reported figures: per condition, the medians and the
 * paired deltas against the same round's baseline, and the summary text.
 */
import { summarize } from "../lib/meta.ts";
import type { Condition } from "./conditions.ts";
import type { Run } from "./rounds.ts";

export type Spread = ReturnType<typeof summarize>;

export interface ConditionSummary {
  condition: Condition;
  throughput: Spread;
  throughputDeltaPct: Spread;
  cpuUsPerRequest: Spread;
  cpuDeltaPct: Spread;
  p99Ms: Spread;
  p99DeltaPct: Spread;
  allLoadRunsValid: boolean;
}

/**
 * Each of `mine`'s runs against the baseline of its own round (minutes apart
 * at most), as a percent change, then the median over rounds: on a shared
 * machine this removes the slow drift that dominates unpaired medians.
 */
export function pairedDeltaPct(mine: Run[], baselines: Run[], pick: (r: Run) => number): Spread {
  const baselineOf = new Map(baselines.map((r) => [r.round, r]));
  return summarize(mine.map((r) => (pick(r) / pick(baselineOf.get(r.round)!) - 1) * 100));
}

/** One row per condition, in the order given. */
export function summarizeConditions(runs: Run[], conditions: readonly Condition[]): ConditionSummary[] {
  const baselines = runs.filter((r) => r.condition === "baseline");
  return conditions.map((c) => {
    const mine = runs.filter((r) => r.condition === c);
    return {
      condition: c,
      throughput: summarize(mine.map((r) => r.wrkRps)),
      throughputDeltaPct: pairedDeltaPct(mine, baselines, (r) => r.wrkRps),
      cpuUsPerRequest: summarize(mine.map((r) => r.cpuUsPerRequest)),
      cpuDeltaPct: pairedDeltaPct(mine, baselines, (r) => r.cpuUsPerRequest),
      p99Ms: summarize(mine.map((r) => r.p99Ms)),
      p99DeltaPct: pairedDeltaPct(mine, baselines, (r) => r.p99Ms),
      allLoadRunsValid: mine.every((r) => r.loadValid),
    };
  });
}

const pct = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(1)}%`;
/** `+6.0% [-6.0%, +30.0%]`: median and range over rounds. */
export const spread = (d: { median: number; min: number; max: number }) => `${pct(d.median)} [${pct(d.min)}, ${pct(d.max)}]`;

export interface SummaryText {
  variant: string;
  mix: string;
  rounds: number;
  durationS: number;
  pinNote: string;
  loadAverage: number[];
  fixedRps: number;
  table: ConditionSummary[];
  sampler: { pairs: number; sliceMs: number; results: { hz: number; deltaPct: Spread }[] };
}

/** The printed table (also DIR/summary.txt). */
export function summaryLines(s: SummaryText): string[] {
  return [
    `observer effect: ${s.variant}, ${s.mix} mix, ${s.rounds} round(s) × ${s.durationS}s per run, ${s.pinNote}; load average at start ${s.loadAverage.map((x) => x.toFixed(2)).join(" ")}`,
    "Δ = median over rounds of (condition ÷ same-round baseline − 1) [min, max]",
    "",
    `condition  wrk req/s median         Δ throughput                 server CPU µs/req   Δ CPU/req                    p99 ms at ${s.fixedRps} req/s   Δ p99`,
    ...s.table.map((t) => {
      const d = (x: { median: number; min: number; max: number }) => (t.condition === "baseline" ? "" : spread(x));
      return (
        `${t.condition.padEnd(10)} ${t.throughput.median.toFixed(0).padStart(6)} (${t.throughput.min.toFixed(0)}–${t.throughput.max.toFixed(0)})`.padEnd(34) +
        d(t.throughputDeltaPct).padEnd(29) +
        `${t.cpuUsPerRequest.median.toFixed(0).padStart(6)}`.padEnd(20) +
        d(t.cpuDeltaPct).padEnd(29) +
        `${t.p99Ms.median.toFixed(2).padStart(8)} (${t.p99Ms.min.toFixed(1)}–${t.p99Ms.max.toFixed(1)})`.padEnd(26) +
        d(t.p99DeltaPct) +
        (t.allLoadRunsValid ? "" : "  (some load runs INVALID: generator fell behind)")
      );
    }),
    "",
    `sampler cost on the JS thread (in-process, ${s.variant}.respond on one ${s.mix} batch, ${s.sampler.pairs} adjacent off/on pairs of ${s.sampler.sliceMs} ms, pinned):`,
    ...s.sampler.results.map((c) => `  ${String(c.hz).padStart(5)} Hz: throughput ${spread(c.deltaPct)}`),
  ];
}
