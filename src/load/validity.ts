/**
 * Whether a run measured the server or the generator. A run is invalid when
 * the generator could not keep its schedule; each failed rule gives a reason.
 * An invalid run never counts toward a capacity figure.
 */
import type { WindowStats } from "./recorder.ts";

export interface ValidityRules {
  /** The generator's schedule-lag p99 must stay at or under this, ms. */
  maxLagMs: number;
  /** Each window must send at least this share of what it scheduled (one request of slack for the window edge). */
  minWindowRatio: number;
  /** The generator process must stay under this share of one core in every window. */
  maxCpu: number;
}

export interface Validity {
  valid: boolean;
  /** One line per failed rule, naming the rule, the worst value and where. */
  reasons: string[];
  /** Observations that do not invalidate the run but qualify it. */
  notes: string[];
  checks: {
    scheduleLagP99Ms: number;
    maxLagMs: number;
    /** Lowest sent/scheduled ratio over the windows, and where. */
    worstWindow: { index: number; scheduled: number; sent: number; ratio: number } | null;
    minWindowRatio: number;
    peakCpuThread: number;
    peakCpuProcess: number;
    maxCpu: number;
  };
}

export interface ValidityInput {
  scheduleLagP99Ms: number;
  windows: readonly WindowStats[];
  /** Measured requests that had to wait for a free connection, and the pool size. */
  connectionWaits: number;
  connections: number;
  /** Values clamped into the histogram bounds. */
  clamped: number;
}

/** Applies the three rules; pure, so tests feed it numbers directly. */
export function judge(input: ValidityInput, rules: ValidityRules): Validity {
  const reasons: string[] = [];
  const notes: string[] = [];
  if (input.scheduleLagP99Ms > rules.maxLagMs) {
    reasons.push(`schedule lag p99 ${fmt(input.scheduleLagP99Ms)}ms > ${fmt(rules.maxLagMs)}ms: the generator fell behind its own schedule`);
  }

  // Windows shorter than half a window are too short to judge a rate on (a run's tail).
  const judged = input.windows.filter((w, _, all) => all.length === 1 || w.lengthMs * 2 >= (all[0]?.lengthMs ?? 0));
  let worst: Validity["checks"]["worstWindow"] = null;
  let short: WindowStats | null = null;
  for (const w of judged) {
    const ratio = w.scheduled > 0 ? w.sent / w.scheduled : 1;
    if (!worst || ratio < worst.ratio) worst = { index: w.index, scheduled: w.scheduled, sent: w.sent, ratio: round4(ratio) };
    if (w.sent < w.scheduled * rules.minWindowRatio - 1 && (!short || ratio < short.sent / short.scheduled)) short = w;
  }
  if (short) {
    const share = (100 * short.sent) / short.scheduled;
    const cause =
      input.connectionWaits > 0
        ? `; ${input.connectionWaits} requests waited for one of ${input.connections === Infinity ? "the" : input.connections} busy connections: the load was not offered (raise --connections or lower --rps)`
        : "";
    reasons.push(
      `achieved rate ${fmt((short.sent * 1000) / short.lengthMs)}/s in second ${short.index + 1} is ${share.toFixed(1)}% of the ${short.scheduled} scheduled (< ${fmt(rules.minWindowRatio * 100)}%)${cause}`,
    );
  } else if (input.connectionWaits > 0) {
    notes.push(`${input.connectionWaits} requests waited for a free connection (counted from their intended start)`);
  }

  // The rule is on the whole process, as a full core is what it can use when pinned; the JS thread
  // (which keeps the schedule) is named beside it. Thread CPU ≤ process CPU, so one check covers both.
  const peak = (k: "cpuThread" | "cpuProcess") => Math.max(-1, ...input.windows.map((w) => w[k]).filter((x) => !Number.isNaN(x)));
  const peakThread = peak("cpuThread");
  const peakProcess = peak("cpuProcess");
  let hot: WindowStats | null = null;
  for (const w of input.windows) if (w.cpuProcess >= rules.maxCpu && (!hot || w.cpuProcess > hot.cpuProcess)) hot = w;
  if (hot) {
    const thread = Number.isNaN(hot.cpuThread) ? "" : ` (JS thread ${pct(hot.cpuThread)})`;
    reasons.push(`generator process at ${pct(hot.cpuProcess)} of a core${thread} in second ${hot.index + 1} (limit ${pct(rules.maxCpu)}): it is saturated`);
  }
  if (input.scheduleLagP99Ms > rules.maxLagMs && peakProcess >= 0 && peakProcess < 0.8) {
    notes.push(`the generator lagged while using at most ${pct(peakProcess)} of a core: its core was likely busy with other work (or its event loop was blocked)`);
  }
  if (input.clamped > 0) notes.push(`${input.clamped} values fell outside the histogram bounds and were clamped`);

  return {
    valid: reasons.length === 0,
    reasons,
    notes,
    checks: {
      scheduleLagP99Ms: input.scheduleLagP99Ms,
      maxLagMs: rules.maxLagMs,
      worstWindow: worst,
      minWindowRatio: rules.minWindowRatio,
      peakCpuThread: peakThread < 0 ? NaN : round4(peakThread),
      peakCpuProcess: peakProcess < 0 ? NaN : round4(peakProcess),
      maxCpu: rules.maxCpu,
    },
  };
}

const round4 = (x: number) => (Number.isNaN(x) ? x : Math.round(x * 10_000) / 10_000);
const pct = (x: number) => `${Math.round(x * 100)}%`;
const fmt = (x: number) => String(Math.round(x * 100) / 100);
