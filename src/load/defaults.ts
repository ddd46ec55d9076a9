/**
 * Every default of the load harness, in one frozen place. The CLI's help text
 * and the library's option filling both read from here.
 */
export const LOAD_DEFAULTS = Object.freeze({
  url: "http://127.0.0.1:8080/enrich",
  durationMs: 10_000,
  warmupMs: 2_000,
  /** Measured from a request's intended start, so corrected latency never exceeds it. */
  timeoutMs: 5_000,
  /**
   * Keep-alive connections, opened only when a due request finds none idle;
   * `Infinity` means no bound. Generous so that a server hiccup (a GC pause)
   * at a moderate rate does not exhaust the pool: at 2,000 req/s, 256
   * connections ride out a 128 ms stall while still offering the load.
   */
  connections: 256,
  arrivals: "constant" as "constant" | "poisson",
  seed: 1,
  transport: "raw" as "raw" | "fetch",
  /** Validity: the generator's own schedule lag p99 must stay under this. */
  maxLagMs: 10,
  /** Validity: each one-second window must send at least this share of what it scheduled. */
  minWindowRatio: 0.99,
  /** Validity: the generator process at or above this share of one core in any window means saturated. */
  maxCpu: 0.95,
  /**
   * Server-limited labels. Saturated: requests waited for the server (every
   * connection occupied) for at least this share of the measured period (or
   * it was still holding sends back in the last window, and did not stall).
   */
  saturatedShare: 0.8,
  /** Otherwise stalled: while they waited, no answer at all for this long (and for 4× the mean gap between answers then), ms. */
  stallMs: 100,
  windowMs: 1_000,
  progressMs: 1_000,
  /** --find-max */
  findMaxStartRps: 100,
  findMaxSteps: 12,
  /** A step passes with corrected p99 at or under this, ms. */
  findMaxP99Ms: 100,
  /** Re-runs of an INVALID step (never of a p99/error failure). */
  findMaxRetries: 0,
  /** Bisection stops when the bracket is this tight (hi/lo − 1). */
  findMaxPrecision: 0.05,
});

/**
 * Histogram bounds and precision, stated once. Values are integer microseconds
 * from 1 µs to 1 hour with 3 significant digits: any reported value is within
 * 0.1% of the true one (exact below 2.048 ms). Larger values are clamped to
 * the top and counted in `clamped`.
 */
export const HISTOGRAM = Object.freeze({
  unit: "us" as const,
  lowestDiscernibleValue: 1,
  highestTrackableValue: 3_600_000_000,
  numberOfSignificantValueDigits: 3 as const,
});
