/** Frozen defaults for the service: one place, so flags, docs and tests agree. */
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
  /** The last rung of the thin ladder (FINDINGS.md §10); v0 stays selectable as the control. */
  variant: "v8-arithmetic-key",
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
  loopStallMs: 25,
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
  /** At 1,000 the one flush in flight could not keep up with ~170k entries/s on loopback and the bound dropped over half (profiles/io/capacity-default-loopback-counts); at 10,000 nothing was dropped (…-batch10k). */
  batchEntries: 10_000,
  flushMs: 5,
  /** ~100 s of a 1,000-event/s service with Redis down; ~50 MB of entries at the default mix's attrs. */
  maxBufferedEntries: 100_000,
  /** Reconnect attempts back off from min to max (doubling) while Redis is down. */
  reconnectMinMs: 50,
  reconnectMaxMs: 1_000,
  /** A connection attempt that has not succeeded in this long has failed. */
  connectTimeoutMs: 1_000,
});
