/**
 * The project's frozen defaults, every one of them in this one module, so
 * flags, help texts, docs and tests agree: the service first, then the kit
 * that measures it (load harness, profiles, calibration, perf, the CI gate).
 */

/** The service. */
export const SERVICE_DEFAULTS = Object.freeze({
  port: 8080,
  /** Hot-path bind address: every interface (the admin port alone stays on loopback). */
  host: "0.0.0.0",
  adminPort: 6060,
  adminHost: "127.0.0.1",
  /** Built on first `bun run serve` when no --index is given. */
  indexDir: "data/default",
  indexEntries: 1_000_000,
  indexSeed: 1,
  /** --index-impl: the pure-TS lookup (no compiler needed) unless native is asked for. */
  indexImpl: "ts" as "ts" | "native",
  /** --verify-index: data checksums at open; auto = full up to 256 MiB, headers only above. */
  verifyIndex: "auto" as "auto" | "full" | "headers",
  /** The last rung of the ladder (FINDINGS.md §52); v0 stays selectable as the control. */
  variant: "v25-in-turn-answer",
  /**
   * Batches the variant answers in process before the port opens (a hit and a miss each), so its hot
   * functions are compiled before traffic arrives: a byte-writing variant run cold is slow enough to
   * start a loop-stall shedding spiral at a fraction of its capacity (FINDINGS.md §25).
   */
  warmupBatches: 2_000,
  /** …or for at most this long, whichever ends first (v0 answers a batch in about a millisecond). */
  warmupBudgetMs: 250,
  workers: 1,
  blockProfileRate: 0,
  mutexProfileFraction: 0,
  /** A connection with no bytes in either direction this long is closed (idle keep-alive, stalled headers); Bun allows 1–255 s. */
  idleTimeoutS: 10,
  /** How long SIGTERM waits for in-flight requests before exiting anyway. */
  drainTimeoutMs: 10_000,
});

/** Request limits (docs/contract.md, "POST /enrich"). */
export interface Limits {
  bodyBytes: number;
  events: number;
  attrs: number;
  attrChars: number;
  /** Nesting depth of the body's JSON (arrays and objects); the wire format needs 4. Absent: DEFAULT_LIMITS.depth. */
  depth?: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  bodyBytes: 8 * 1024 * 1024,
  events: 10_000,
  attrs: 64,
  attrChars: 256,
  depth: 64,
});

/**
 * Admission control and client bounds (src/http/admission.ts). Chosen from
 * measured capacity on one core (bench/reliability.ts): v0 serves a thin
 * request in ~0.5 ms of CPU and a fat one in ~25–40 ms, so 16 requests or
 * 4,096 events (4 fat batches) in progress keep an admitted request within
 * ~8 ms (thin) or ~4 service times (fat) of its unloaded latency, and a 10 ms
 * queue bound (or twice a request's own service time, for fat ones) adds no
 * more than that. Faster variants drain the same bounds sooner.
 */
export interface AdmissionLimits {
  /** Requests in progress at once (admitted, not yet answered). */
  requests: number;
  /** Events in progress at once, summed over admitted requests (a batch larger than this runs alone). */
  events: number;
  /** Requests waiting for admission at once; beyond it, 503 at once. */
  queue: number;
  /** Longest wait for admission, ms; beyond it, 503. */
  queueMs: number;
  /** A request arriving after the event loop has been busy this long (ms) is shed: it has waited that long already (0 = off). */
  loopStallMs: number;
  /** While overloaded (a loop_stall shed within overloadHoldMs), the busy-loop bound tightens to this (ms). */
  overloadLoopStallMs: number;
  /** How long after its last loop_stall shed the loop counts as overloaded (ms). */
  overloadHoldMs: number;
  /** A request older than this (ms, from X-Request-Start or arrival) is dropped at the next stage boundary. */
  deadlineMs: number;
  /** Body bytes being read at once (declared lengths; the body limit for chunked bodies); beyond it, 503. */
  bodyBytes: number;
  /** A body that has not fully arrived this long (ms) after the request did gets 408. */
  bodyTimeoutMs: number;
  /** Retry-After on a 503, seconds. */
  retryAfterS: number;
}

export const DEFAULT_ADMISSION: Readonly<AdmissionLimits> = Object.freeze({
  requests: 16,
  events: 4096,
  queue: 64,
  queueMs: 10,
  // 25 ms lets a lone stall (a GC, a heap walk) pass unshed; once shedding, 5 ms keeps the admitted fast
  // (docs/reliability.md: a flat 5 ms shed thin requests at a seventh of capacity on one stall).
  loopStallMs: 25,
  overloadLoopStallMs: 5,
  overloadHoldMs: 100,
  deadlineMs: 5_000,
  bodyBytes: 64 * 1024 * 1024,
  bodyTimeoutMs: 10_000,
  retryAfterS: 1,
});

/**
 * Continuous profiling (`--continuous-profile DIR`): a short window of every
 * kind each period, kept for a bounded time. The window's share of the period
 * is the duty cycle its cost scales with (docs/profiling.md, "Continuous profiling").
 */
export const CONTINUOUS_DEFAULTS = Object.freeze({
  windowMs: 10_000,
  everyMs: 60_000,
  /** Captures older than this are deleted... */
  keepMs: 24 * 3600_000,
  /** ...and never more than this many files in the directory (oldest go first). */
  maxFiles: 5_000,
  kinds: Object.freeze(["cpu", "heap", "block"] as const),
  /** CPU sampling rate of a window (the admin endpoint's default). */
  hz: 100,
  /** Block stalls ≥ this during a window, when no block rate is set: at 40 ms the block sampler shares the CPU profile's 10 ms interval. */
  blockRateMs: 40,
  /** A push that takes longer is abandoned (the file on disk stays). */
  pushTimeoutMs: 5_000,
  /**
   * The heap's objects by type are counted only when the walk (on the JS
   * thread) is estimated to take at most this long: well under admission's
   * loopStallMs, so a window never sheds (src/admin/continuous/heap-sizes.ts).
   */
  heapWalkBudgetMs: 10,
});

/**
 * pprof labels on CPU samples and block stalls (src/admin/request-labels.ts).
 * The mixes are 1, 100 and 1,000 events (docs/contract.md, "Request corpora"); a
 * batch is `thin` up to thinMaxEvents, `default` up to defaultMaxEvents and
 * `fat` above: the geometric midpoints, so each mix sits mid-class and a
 * batch of 50 or 500 lands in the class of its nearest mix.
 */
export const PROFILE_LABELS = Object.freeze({
  thinMaxEvents: 10,
  defaultMaxEvents: 316,
  /** Distinct values of --profile-label-attr kept as labels; later values are labelled `other`, so a per-request id cannot bloat a profile. */
  attrCardinality: 32,
});

/**
 * The audit log (`--audit redis://HOST:PORT[/STREAM]`, src/audit/): one Redis
 * stream entry per answered event. The batched writer (io-batched-audit)
 * sends a flush once batchEntries are waiting or the oldest has waited
 * flushMs, one flush in flight at a time; it holds at most maxBufferedEntries
 * not yet acknowledged (beyond that, new entries are dropped and counted:
 * the service keeps answering). README "Audit log" states the contract.
 */
export const AUDIT_DEFAULTS = Object.freeze({
  stream: "enrich:audit",
  /**
   * A cap, not a size: under load a flush takes what waited during the one before. At 1,000 the one flush in
   * flight could not keep up with ~170k entries/s on loopback and the bound dropped over half
   * (profiles/io/capacity-default-loopback-counts); at 10,000 it kept up then (…-batch10k), but not with v12's
   * ~300k entries/s: a flush cycle is ~25 ms of Redis's work plus ~25 ms of waiting in the saturated event loop,
   * so 10,000 per cycle falls behind, and the buffer filled (FINDINGS.md §20). At 50,000 the flushes settle near
   * 16,000 entries and nothing is dropped; a flush holds Redis for at most ~120 ms.
   */
  batchEntries: 50_000,
  flushMs: 5,
  /** ~100 s of a 1,000-event/s service with Redis down; ~50 MB of entries at the default mix's attrs. */
  maxBufferedEntries: 100_000,
  /** Reconnect attempts back off from min to max (doubling) while Redis is down. */
  reconnectMinMs: 50,
  reconnectMaxMs: 1_000,
  /** A connection attempt that has not succeeded in this long has failed. */
  connectTimeoutMs: 1_000,
});

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
  /**
   * Sub-millisecond ticks (src/load/precise-timer.ts): whole-ms ticks add up
   * to a tick of lateness to every request, ~1.1 ms at p99 at 1,500 req/s
   * (FINDINGS §38, §41). "ms" is setTimeout's and wrk2's grain.
   */
  timer: "precise" as "precise" | "ms",
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
  /** Re-runs of an INVALID step (never of a p99/error failure), and of a stolen one. */
  findMaxRetries: 0,
  /** A failed step during which the host stole more than this share of a CPU in some second is no verdict on the server (find-max.ts `stolen`). */
  findMaxMaxSteal: 0.05,
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

/** /debug/pprof/profile: seconds and hz when not given, and their bounds. */
export const CPU_DEFAULTS = Object.freeze({ seconds: 30, maxSeconds: 60, hz: 100, maxHz: 2000 });

/** /debug/pprof/trace; maxRequests bounds a trace's memory at high rates; later requests are counted, not drawn. */
export const TRACE_DEFAULTS = Object.freeze({ seconds: 5, maxSeconds: 60, hz: 100, stallMs: 10, counterEveryMs: 10, gcPollMs: 10, maxRequests: 100_000 });

/** scripts/profile.ts: a bundle's capture. */
export const CAPTURE_DEFAULTS = Object.freeze({
  out: "profiles",
  variant: "v0",
  warmupMs: 5_000,
  /** After warmup, how long to wait at most for the rate to hold. */
  settleMs: 10_000,
  /** Consecutive one-second load windows that must hold before the capture starts. */
  checkWindows: 2,
  traceMs: 5_000,
  /** Rates on and the first scrape done this long before the window, so their start-up cost falls outside it. */
  armMs: 1_000,
  hz: 100,
  /** Block profiling threshold during the window, ms. While it is on the admin runs the shared sampler faster (rate/4 ms at the time of writing). */
  blockRateMs: 20,
  /** Mutex profiling: 1 in N contentions carries a stack during the window. */
  mutexFraction: 10,
  /** The load harness's own default (a pool that rides out a server hiccup). */
  connections: LOAD_DEFAULTS.connections,
  arrivals: "constant" as "constant" | "poisson",
  transport: LOAD_DEFAULTS.transport as "raw" | "fetch",
  timeoutMs: 5_000,
  pin: true,
  serverCpu: 0,
  loadCpu: 1,
  /** 0 = start at once. */
  waitQuietMs: 0,
});

/** scripts/profile.ts calibrate: the known-cost server's run. */
export const CALIBRATE_DEFAULTS = Object.freeze({
  /** Offered requests/s: the server at roughly two thirds of a core, so it both works and idles. */
  rps: 500,
  /** Each profile's window: at 100 Hz and two-thirds busy, ~800 samples, so sampling noise stays under 2 points. */
  seconds: 12,
  warmupSeconds: 2,
  hz: 100,
  /** Block profiling threshold (ms) and mutex fraction for the admin+block case. */
  blockRateMs: 1,
  mutexFraction: 1,
});

/** scripts/profile/calibrate/labels-cli.ts: the labelled known-cost server's run. */
export const LABEL_CALIBRATE_DEFAULTS = Object.freeze({
  /** Offered requests/s: 7 units of 2 ms per 4 requests, so ~56% of a core plus the app's own work; it both works and idles. */
  rps: 160,
  /** At 200 Hz and ~60% busy, ~1,200 labelled samples: sampling noise about 1.5 points on a 57% share. */
  seconds: 10,
  warmupSeconds: 2,
  hz: 200,
  unitMs: 2,
  fatEvents: 1000,
});

/** perf record beside the admin profile (bundles, calibration, profile-truth). */
export const PERF_DEFAULTS = Object.freeze({
  /** A software event: its period is ns of CPU, and it works in VMs without a PMU. */
  event: "cpu-clock",
  /** Off the 100 Hz grid of timers and the JSC sampler. */
  hz: 499,
  /** How long perf may take to start, switch, stop, or print its samples. */
  stepTimeoutMs: 30_000,
});

/**
 * The CI gate's defaults, in one place (bench/ci-gate.ts flags, docs/bench.md).
 * Sized to finish in about a minute and a half on 2 shared cores and to stay
 * quiet on unchanged code (the false-alarm rate is measured by
 * bench/gate-false-alarm.ts); see docs/bench.md "The CI gate".
 */
export const GATE_DEFAULTS = Object.freeze({
  /** A small representative set: key mixing, payload codec, index lookups, and one whole request. */
  filter: "^(Keys/fmix64|Keys/keyOf|Payload/(write|decode|isoSeconds)|Index/find/impl=ts/(hit|miss)|Index/payload/impl=ts|Handler/variant=v0/size=100)$",
  rounds: 8,
  timeMs: 100,
  alpha: 0.05,
  /** Slowdowns below this are not failed even when significant: the shared machine's medians wander by a few percent. */
  thresholdPct: 10,
  /** CPU-profile check: rounds per side, workload length, and how many percentage points a hot frame may grow. */
  profileRounds: 3,
  /**
   * The profiled workload's variant: one with no awaited I/O. bun --cpu-prof
   * counts an awaited call's idle time as that frame (v0's per-key `stat`,
   * FINDINGS §0), and that share wanders by 5 points between identical
   * runs: an A/A failed on it. v2 is v0's pipeline without the lock and the stat.
   */
  profileVariant: "v2-lock-free-lookup",
  profileMs: 1500,
  profileThresholdPp: 5,
  seed: 1,
  out: ".bench-out/ci-gate",
});
