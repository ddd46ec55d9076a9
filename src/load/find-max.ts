/**
 * --find-max: the sustained-throughput figure. Steps the offered rate up
 * (doubling) until a step fails, then bisects between the highest passing and
 * the lowest failing rate. Each step is a whole run with its own warmup and
 * measured window. A step passes when it is valid, its corrected p99 is at or
 * under the threshold and nothing failed; an invalid step never passes, so a
 * figure is never the generator's limit dressed up as the server's. On a
 * virtual machine the host may take the cores away (steal): a step that did
 * not pass while it did is no evidence against the server either, so it is
 * `stolen`, re-run like an invalid one, and never the figure's upper bound
 * unless every attempt was stolen (then the host is named as the limit).
 */
import { LoadError } from "./errors.ts";
import type { LoadResult } from "./result.ts";
import { runLoad, type LoadHooks } from "./run.ts";
import type { LoadInput } from "./options.ts";
import { LOAD_DEFAULTS } from "../config.ts";

export interface FindMaxInput extends Omit<LoadInput, "rps"> {
  /** Pass threshold for the corrected p99, ms. */
  p99Ms: number;
  /** First rate tried. */
  startRps?: number;
  /** Never offer more than this. */
  maxRps?: number;
  maxSteps?: number;
  /** Stop bisecting when highest-pass and lowest-fail are within this fraction. */
  precision?: number;
  /**
   * Re-run a step that came out INVALID up to this many times (default 0). A
   * valid run is proof the generator kept its schedule at that rate, so on a
   * shared machine this separates "cannot" from "was disturbed". Steps that
   * fail on p99 or errors are server results and are never retried.
   */
  retries?: number;
  /**
   * A step that did not pass while the host stole more than this share of a
   * CPU in some one-second window (WindowStats.hostSteal) is `stolen`, and
   * re-run as an invalid one is (default LOAD_DEFAULTS.findMaxMaxSteal; 1
   * turns it off). A step that passed stands: steal only made it harder.
   */
  maxSteal?: number;
}

/**
 * `saturated`: valid, p99 and errors within bounds, but the server held every
 * connection and did not take the offered rate (it never caught up): a rate
 * it does not sustain, however short the step.
 */
export type Verdict = "pass" | "p99" | "errors" | "saturated" | "invalid" | "stolen";

/** One point of the curve. */
export interface Step {
  rps: number;
  achievedRps: number;
  verdict: Verdict;
  valid: boolean;
  reasons: string[];
  p50: number;
  p90: number;
  p99: number;
  p99_9: number;
  max: number;
  /** Measured requests that were not 2xx (http errors + timeouts + transport errors). */
  errors: number;
  scheduled: number;
  /** 1 for the first run of this rate, 2+ for retries of an invalid (or stolen) one. */
  attempt: number;
  /** The highest share of a CPU the host stole in any one-second window of the step (0 where /proc/stat has no steal). */
  hostSteal: number;
  /** Which side held the offered load back in this step (validity.limitedBy); absent in older results. */
  limitedBy?: "generator" | "server" | null;
  /** How the server held it back, when it did (validity.server.state). */
  server?: "saturated" | "stalled" | "behind" | null;
}

export interface FindMaxResult {
  tool: "enrich-load";
  mode: "find-max";
  url: string;
  p99ThresholdMs: number;
  /** Highest passing rate, or null when even the lowest step failed. */
  maxRps: number | null;
  /**
   * What stopped the search: the server (its p99, its errors, or its not
   * taking the offered rate while holding every connection), the generator
   * (the failing step was invalid: its own lag or CPU; the server may hold
   * more than this instrument can offer), the --max-rps cap, or the step
   * budget, or the host (the failing step was stolen on every attempt). A
   * step whose sends the server held back is valid, so it never reads as
   * "generator".
   */
  limitedBy: "server-p99" | "server-errors" | "server-saturated" | "generator" | "host-steal" | "max-rps" | "steps";
  /** Every step in the order run. */
  steps: Step[];
  /** The full result of the highest passing step. */
  best: LoadResult | null;
}

export interface FindMaxHooks extends LoadHooks {
  onStep?(step: Step, index: number): void;
  onStepStart?(rps: number, index: number): void;
}

/** The highest host steal of a result's one-second windows (older results and models have none: 0). */
export function worstSteal(r: LoadResult): number {
  return Math.max(0, ...(r.windows ?? []).map((w) => w.hostSteal).filter((x) => Number.isFinite(x)));
}

/** Judges one step's result against the threshold; a failure while the host stole more than `maxSteal` is `stolen`. */
export function verdictOf(r: LoadResult, p99Ms: number, maxSteal = Infinity): Verdict {
  const v = judged(r, p99Ms);
  return v !== "pass" && worstSteal(r) > maxSteal ? "stolen" : v;
}

function judged(r: LoadResult, p99Ms: number): Verdict {
  const c = r.counts;
  const errors = c.httpError + c.timeout + c.transport > 0;
  // An invalid run is the generator's unless the server caused it (an error storm: connections refused).
  if (!r.validity.valid && !(errors && r.validity.limitedBy === "server")) return "invalid";
  if (errors) return "errors";
  if (r.latency.corrected.p99 > p99Ms) return "p99";
  return r.validity.server?.state === "saturated" ? "saturated" : "pass";
}

/**
 * Runs the search; the rates tried and the figure are deterministic given the
 * verdicts. `run` is the step runner (runLoad; tests pass a model of a server).
 */
export async function findMax(input: FindMaxInput, hooks: FindMaxHooks = {}, run: typeof runLoad = runLoad): Promise<FindMaxResult> {
  if (!(input.p99Ms > 0)) throw new LoadError(`--p99: expected a positive duration, got ${input.p99Ms}ms`);
  const maxSteps = input.maxSteps ?? LOAD_DEFAULTS.findMaxSteps;
  const precision = input.precision ?? LOAD_DEFAULTS.findMaxPrecision;
  const cap = input.maxRps ?? Infinity;
  let rate = Math.min(input.startRps ?? LOAD_DEFAULTS.findMaxStartRps, cap);
  const steps: Step[] = [];
  let lo: { rps: number; result: LoadResult } | null = null;
  let hi: Step | null = null;
  let url = input.url ?? LOAD_DEFAULTS.url;

  for (let k = 0; k < maxSteps; k++) {
    let r: LoadResult | null = null;
    let step: Step | null = null;
    for (let attempt = 1; ; attempt++) {
      hooks.onStepStart?.(rate, k);
      const res = await run({ ...input, rps: rate }, hooks);
      if (res.aborted) break; // a run cut short by the caller is no evidence either way
      r = res;
      step = toStep(res, input.p99Ms, attempt, input.maxSteal ?? LOAD_DEFAULTS.findMaxMaxSteal);
      steps.push(step);
      hooks.onStep?.(step, k);
      if ((step.verdict !== "invalid" && step.verdict !== "stolen") || attempt > (input.retries ?? LOAD_DEFAULTS.findMaxRetries) || hooks.signal?.aborted) break;
    }
    if (!r || !step) break;
    url = r.url;
    if (step.verdict === "pass") {
      if (!lo || rate > lo.rps) lo = { rps: rate, result: r };
    } else if (!hi || rate < hi.rps) hi = step;
    if (hooks.signal?.aborted) break;

    let next: number;
    if (!hi) {
      if (rate >= cap) break;
      next = Math.min(cap, rate * 2);
    } else if (!lo) {
      next = Math.max(1, Math.floor(rate / 2));
      if (next === rate) break;
    } else {
      if (hi.rps / lo.rps - 1 <= precision) break;
      next = Math.round((lo.rps + hi.rps) / 2);
      if (next === lo.rps || next === hi.rps) break;
    }
    rate = next;
  }

  const limitedBy: FindMaxResult["limitedBy"] = !hi
    ? lo && lo.rps >= cap
      ? "max-rps"
      : "steps"
    : hi.verdict === "invalid"
      ? "generator"
      : hi.verdict === "stolen"
        ? "host-steal"
        : hi.verdict === "errors"
        ? "server-errors"
        : hi.verdict === "saturated"
          ? "server-saturated"
          : "server-p99";
  return { tool: "enrich-load", mode: "find-max", url, p99ThresholdMs: input.p99Ms, maxRps: lo?.rps ?? null, limitedBy, steps, best: lo?.result ?? null };
}

function toStep(r: LoadResult, p99Ms: number, attempt: number, maxSteal: number): Step {
  const c = r.latency.corrected;
  return {
    rps: r.offeredRps,
    achievedRps: r.achievedRps,
    verdict: verdictOf(r, p99Ms, maxSteal),
    valid: r.validity.valid,
    reasons: r.validity.reasons,
    p50: c.p50,
    p90: c.p90,
    p99: c.p99,
    p99_9: c.p99_9,
    max: c.max,
    errors: r.counts.httpError + r.counts.timeout + r.counts.transport,
    scheduled: r.counts.scheduled,
    attempt,
    hostSteal: Math.round(worstSteal(r) * 1000) / 1000,
    limitedBy: r.validity.limitedBy ?? null,
    server: r.validity.server?.state ?? null,
  };
}
