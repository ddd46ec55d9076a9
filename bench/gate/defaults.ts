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
  profileMs: 1500,
  profileThresholdPp: 5,
  seed: 1,
  out: ".bench-out/ci-gate",
});
