/**
 * Load options: the one shape the CLI and programmatic callers fill, checked
 * in one place. `checkOptions` returns a message instead of throwing, so a
 * caller decides how to report it; `resolveOptions` fills defaults and throws
 * a LoadError.
 */
import { LoadError } from "./errors.ts";
import type { Arrivals } from "./schedule.ts";
import { LOAD_DEFAULTS } from "../config.ts";

export interface LoadOptions {
  /** Where to POST, e.g. http://127.0.0.1:8080/enrich. */
  url: string;
  /** ndjson corpus: one request body per line, cycled in order. */
  corpus: string;
  /** Offered arrival rate, requests per second. */
  rps: number;
  durationMs: number;
  /** Run the schedule this long first and discard its samples. */
  warmupMs: number;
  /** A request not answered this long after its intended start is a timeout. */
  timeoutMs: number;
  /** Keep-alive connections (in-flight slots for fetch); Infinity = unbounded. */
  connections: number;
  arrivals: Arrivals;
  seed: number;
  transport: "raw" | "fetch";
  /** How the engine sleeps between ticks: "precise" wakes within ~0.1 ms (src/load/precise-timer.ts), "ms" rounds up to whole ms as setTimeout and wrk2 do. */
  timer: "precise" | "ms";
  maxLagMs: number;
  minWindowRatio: number;
  maxCpu: number;
  windowMs: number;
  progressMs: number;
  /** The clock, in ms (performance.now by default); injectable for tests. */
  now: () => number;
}

/** What a caller must give; everything else has a default. */
export type LoadInput = Partial<LoadOptions> & Pick<LoadOptions, "corpus" | "rps">;

/** Returns a one-line description of the first problem, or null when the options are usable. */
export function checkOptions(o: LoadOptions): string | null {
  if (!o.corpus) return "--corpus is required";
  if (!(o.rps > 0) || !Number.isFinite(o.rps)) return `--rps: expected a positive rate, got ${o.rps}`;
  if (!(o.durationMs > 0)) return `--duration: expected a positive duration, got ${o.durationMs}ms`;
  if (!(o.warmupMs >= 0)) return `--warmup: expected a duration ≥ 0, got ${o.warmupMs}ms`;
  if (!(o.timeoutMs > 0)) return `--timeout: expected a positive duration, got ${o.timeoutMs}ms`;
  if (!(o.connections >= 1) || (o.connections !== Infinity && !Number.isInteger(o.connections))) {
    return `--connections: expected a whole number ≥ 1 or 'unbounded', got ${o.connections}`;
  }
  if (o.arrivals !== "constant" && o.arrivals !== "poisson") return `--arrivals: expected constant or poisson, got '${o.arrivals}'`;
  if (o.transport !== "raw" && o.transport !== "fetch") return `--transport: expected raw or fetch, got '${o.transport}'`;
  if (o.timer !== "precise" && o.timer !== "ms") return `--timer: expected precise or ms, got '${o.timer}'`;
  if (!Number.isInteger(o.seed)) return `--seed: expected an integer, got ${o.seed}`;
  if (!(o.maxLagMs > 0)) return `--max-lag: expected a positive duration, got ${o.maxLagMs}ms`;
  if (!(o.windowMs > 0)) return `window: expected a positive duration, got ${o.windowMs}ms`;
  return null;
}

/** Fills defaults and checks; throws LoadError on a bad option. */
export function resolveOptions(input: LoadInput): LoadOptions {
  const o: LoadOptions = {
    url: input.url ?? LOAD_DEFAULTS.url,
    corpus: input.corpus,
    rps: input.rps,
    durationMs: input.durationMs ?? LOAD_DEFAULTS.durationMs,
    warmupMs: input.warmupMs ?? LOAD_DEFAULTS.warmupMs,
    timeoutMs: input.timeoutMs ?? LOAD_DEFAULTS.timeoutMs,
    connections: input.connections ?? LOAD_DEFAULTS.connections,
    arrivals: input.arrivals ?? LOAD_DEFAULTS.arrivals,
    seed: input.seed ?? LOAD_DEFAULTS.seed,
    transport: input.transport ?? LOAD_DEFAULTS.transport,
    timer: input.timer ?? LOAD_DEFAULTS.timer,
    maxLagMs: input.maxLagMs ?? LOAD_DEFAULTS.maxLagMs,
    minWindowRatio: input.minWindowRatio ?? LOAD_DEFAULTS.minWindowRatio,
    maxCpu: input.maxCpu ?? LOAD_DEFAULTS.maxCpu,
    windowMs: input.windowMs ?? LOAD_DEFAULTS.windowMs,
    progressMs: input.progressMs ?? LOAD_DEFAULTS.progressMs,
    now: input.now ?? (() => performance.now()),
  };
  const problem = checkOptions(o);
  if (problem) throw new LoadError(problem);
  return o;
}

/** Parses a --connections value: a whole number, or `unbounded` (also `0`). */
export function parseConnections(text: string): number | null {
  if (text === "unbounded" || text === "0") return Infinity;
  const n = Number(text);
  return Number.isInteger(n) && n >= 1 ? n : null;
}
