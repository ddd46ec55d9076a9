/**
 * Whether a run measured the server or the generator. A run is invalid when
 * the generator could not keep its schedule (its own lag, its own CPU, or
 * sends it did not make); each failed rule gives a reason. Sends held back
 * because the server held every connection (or did not accept new ones) are
 * the server's doing: such a run is valid, its corrected latency counts from
 * the intended start, and it is labelled server-limited. An invalid run never
 * counts toward a capacity figure.
 */
import type { WindowStats } from "./recorder.ts";
import { LOAD_DEFAULTS } from "../config.ts";

export interface ValidityRules {
  /** The generator's schedule-lag p99 must stay at or under this, ms. */
  maxLagMs: number;
  /** Each window must send at least this share of what it scheduled (one request of slack for the window edge). */
  minWindowRatio: number;
  /** The generator process must stay under this share of one core in every window. */
  maxCpu: number;
  /** Label a server-limited run saturated when requests waited for the server for this share of it (default LOAD_DEFAULTS.saturatedShare). */
  saturatedShare?: number;
  /** Otherwise stalled when no answer came for this long, ms, and for 4× the usual gap (default LOAD_DEFAULTS.stallMs). */
  stallMs?: number;
}

/** How the server held the offered load back, when it did. */
export interface ServerLimit {
  /**
   * saturated: requests waited for it most of the measured period, or it
   * was still behind at its end (it did not keep up with the offered rate);
   * stalled: it answered nothing for a long stretch; behind: it fell behind
   * for a while, answering slower than the schedule, then caught up.
   */
  state: "saturated" | "stalled" | "behind";
  /** Share of the measured period during which every connection was occupied by an unanswered request while more were due. */
  poolFullShare: number;
  /** Share of the measured period during which due requests waited for the server to accept a connection. */
  connectWaitShare: number;
  /** Longest time with no response at all while requests waited for the server, ms. */
  longestSilenceMs: number;
  /** Responses per second while requests waited for the server. */
  heldAnswerRps: number;
  /** The offered rate over the measured period, requests/s. */
  offeredRps: number;
  /** Windows (0-based) whose sends fell short because the server held the connections. */
  windows: number[];
  connections: number | "unbounded";
  /** What the server did, what the figures mean, and what (not) to do about it: one sentence each. */
  summary: string;
  meaning: string;
  advice: string;
}

export interface Validity {
  valid: boolean;
  /** One line per failed rule, naming the rule, the worst value and where. */
  reasons: string[];
  /** Observations that do not invalidate the run but qualify it. */
  notes: string[];
  /**
   * Which side held the offered load back: the generator (its lag, its CPU
   * or sends it did not make: invalid), the server (it held every connection
   * — valid, a measurement of a server that stalled or saturated — or it
   * refused connections — invalid, an error storm), or null when the load was
   * offered in full.
   */
  limitedBy: "generator" | "server" | null;
  /** Set when the server held sends back in some window (also on an invalid run, where it qualifies the reasons). */
  server: ServerLimit | null;
  checks: {
    scheduleLagP99Ms: number;
    maxLagMs: number;
    /** Lowest sent/scheduled ratio over the windows, and where. */
    worstWindow: { index: number; scheduled: number; sent: number; ratio: number } | null;
    minWindowRatio: number;
    peakCpuThread: number;
    peakCpuProcess: number;
    maxCpu: number;
    /** Totals over the measured windows, ms: every connection occupied while more were due; connects not accepted; longest silence during either. */
    poolFullMs: number;
    connectWaitMs: number;
    longestSilenceMs: number;
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

/** A window whose host steal (WindowStats.hostSteal) is over this share of a CPU gets a note. */
export const STEAL_NOTE = 0.05;

/** Applies the rules; pure, so tests feed it numbers directly. */
export function judge(input: ValidityInput, rules: ValidityRules): Validity {
  const reasons: string[] = [];
  const notes: string[] = [];
  const generatorLagged = input.scheduleLagP99Ms > rules.maxLagMs;
  if (generatorLagged) {
    reasons.push(`schedule lag p99 ${fmt(input.scheduleLagP99Ms)}ms > ${fmt(rules.maxLagMs)}ms: the generator fell behind its own schedule`);
  }

  // Windows shorter than half a window are too short to judge a rate on (a run's tail).
  const judged = input.windows.filter((w, _, all) => all.length === 1 || w.lengthMs * 2 >= (all[0]?.lengthMs ?? 0));
  let worst: Validity["checks"]["worstWindow"] = null;
  let short: WindowStats | null = null;
  let failed: WindowStats | null = null;
  const heldBack: WindowStats[] = [];
  const lower = (a: WindowStats | null, w: WindowStats) => !a || w.sent / w.scheduled < a.sent / a.scheduled;
  for (const w of judged) {
    const ratio = w.scheduled > 0 ? w.sent / w.scheduled : 1;
    if (!worst || ratio < worst.ratio) worst = { index: w.index, scheduled: w.scheduled, sent: w.sent, ratio: round4(ratio) };
    if (!(w.sent < w.scheduled * rules.minWindowRatio - 1)) continue;
    const cause = shortfallCause(w, rules.maxLagMs);
    if (cause === "server-held") heldBack.push(w);
    else if (cause === "server-failed") failed = lower(failed, w) ? w : failed;
    else short = lower(short, w) ? w : short;
  }
  const achieved = (w: WindowStats) =>
    `achieved rate ${fmt((w.sent * 1000) / w.lengthMs)}/s in second ${w.index + 1} is ${((100 * w.sent) / w.scheduled).toFixed(1)}% of the ${w.scheduled} scheduled (< ${fmt(rules.minWindowRatio * 100)}%)`;
  if (short) {
    const held = heldMs(short);
    const missing = short.scheduled - short.sent;
    const cause =
      held > 0 || (short.unsentErrors ?? 0) > 0
        ? `; waits for the server (${fmt(held)}ms of that second) and requests it refused (${short.unsentErrors ?? 0}) account for at most ${Math.min(missing, Math.floor(serverExplains(short, held, rules.maxLagMs) + (short.unsentErrors ?? 0)))} of the ${missing} missing: the generator did not send the rest`
        : "; no request waited for a connection then: the generator did not send them";
    reasons.push(`${achieved(short)}${cause}`);
  }
  if (failed) {
    // An error storm stays invalid (no latency was measured for those requests), but it is the server's.
    reasons.push(
      `${achieved(failed)}; ${failed.unsentErrors} requests failed below HTTP before they could be sent (see the transport errors): the server refused or dropped the connections, so no latency was measured for them`,
    );
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
  if (generatorLagged && peakProcess >= 0 && peakProcess < 0.8) {
    notes.push(`the generator lagged while using at most ${pct(peakProcess)} of a core: its core was likely busy with other work (or its event loop was blocked)`);
  }

  // Steal does not make the generator wrong about its schedule, so it qualifies the run rather than voiding it;
  // a caller that must not count such runs reads the windows (bench/fixed-rate.ts --max-steal).
  const stolen = input.windows.filter((w) => w.hostSteal > STEAL_NOTE);
  if (stolen.length) {
    const worst = stolen.reduce((a, w) => (w.hostSteal > a.hostSteal ? w : a));
    const others = stolen.length - 1;
    notes.push(`the host stole up to ${pct(worst.hostSteal)} of a CPU from this VM in second ${worst.index + 1}${others ? ` (and ${others} other second${others > 1 ? "s" : ""} over ${pct(STEAL_NOTE)})` : ""}: latency and rate include the hypervisor's, not only the server's`);
  }

  const valid = reasons.length === 0;
  const generatorFault = generatorLagged || hot !== null || short !== null;
  const caughtUp = !heldBack.includes(judged[judged.length - 1]!);
  const server = heldBack.length ? serverLimit(input, heldBack, caughtUp, rules.saturatedShare ?? LOAD_DEFAULTS.saturatedShare, rules.stallMs ?? LOAD_DEFAULTS.stallMs) : null;
  if (server && generatorFault) {
    notes.push(`${server.summary}; but the generator was itself behind, and a generator slow to read answers also keeps its connections busy, so this cannot be told from its own slowness`);
  } else if (!server && input.connectionWaits > 0) {
    notes.push(`${input.connectionWaits} requests waited for a free connection (counted from their intended start)`);
  }
  if (input.clamped > 0) notes.push(`${input.clamped} values fell outside the histogram bounds and were clamped`);

  const total = (k: "poolFullMs" | "connectWaitMs") => round2(input.windows.reduce((s, w) => s + (w[k] ?? 0), 0));
  return {
    valid,
    reasons,
    notes,
    limitedBy: generatorFault ? "generator" : failed || server ? "server" : null,
    server,
    checks: {
      scheduleLagP99Ms: input.scheduleLagP99Ms,
      maxLagMs: rules.maxLagMs,
      worstWindow: worst,
      minWindowRatio: rules.minWindowRatio,
      peakCpuThread: peakThread < 0 ? NaN : round4(peakThread),
      peakCpuProcess: peakProcess < 0 ? NaN : round4(peakProcess),
      maxCpu: rules.maxCpu,
      poolFullMs: total("poolFullMs"),
      connectWaitMs: total("connectWaitMs"),
      longestSilenceMs: round2(Math.max(0, ...input.windows.map((w) => w.longestSilenceMs ?? 0))),
    },
  };
}

/** Time in the window during which due requests waited for the server (older results lack the fields: 0). */
const heldMs = (w: WindowStats) => (w.poolFullMs ?? 0) + (w.connectWaitMs ?? 0);

/**
 * Who held back a window's missing sends (scheduled − sent): `server-held`
 * when its waits for the server in that window (every connection occupied,
 * or connects not accepted) account for them all; `server-failed` when those
 * and the requests that failed before they were sent (refused) do; else the
 * generator.
 */
export function shortfallCause(w: WindowStats, maxLagMs: number = LOAD_DEFAULTS.maxLagMs): "server-held" | "server-failed" | "generator" {
  const held = heldMs(w);
  const missing = w.scheduled - w.sent;
  const explains = held > 0 ? serverExplains(w, held, maxLagMs) : 0;
  if (held > 0 && missing <= explains) return "server-held";
  const refused = w.unsentErrors ?? 0;
  return refused > 0 && missing <= explains + refused + 1 ? "server-failed" : "generator";
}

/**
 * The most sends a window can miss because of `held` ms of waiting for the
 * server: what the schedule put in that time, plus the generator's allowed
 * lag at its end, plus 3σ of Poisson arrivals and one request at each edge.
 */
export function serverExplains(w: WindowStats, held: number, maxLagMs: number): number {
  const rate = w.lengthMs > 0 ? w.scheduled / w.lengthMs : 0;
  return rate * (held + maxLagMs) + 3 * Math.sqrt(rate * held) + 2;
}

function serverLimit(input: ValidityInput, heldBack: WindowStats[], caughtUp: boolean, saturatedShare: number, stallMs: number): ServerLimit {
  const ws = input.windows;
  const sum = (f: (w: WindowStats) => number) => ws.reduce((s, w) => s + f(w), 0);
  const length = sum((w) => w.lengthMs);
  const pool = sum((w) => w.poolFullMs ?? 0);
  const connect = sum((w) => w.connectWaitMs ?? 0);
  const answers = sum((w) => w.heldAnswers ?? 0);
  const silence = Math.max(0, ...ws.map((w) => w.longestSilenceMs ?? 0));
  const held = pool + connect;
  // A stall: nothing answered for a long stretch, far longer than the server's usual gap between answers while it held the load.
  const meanGap = answers > 0 ? held / answers : 0;
  const stalled = silence >= stallMs && silence >= 4 * meanGap;
  const state: ServerLimit["state"] = length > 0 && held >= saturatedShare * length ? "saturated" : stalled ? "stalled" : caughtUp ? "behind" : "saturated";
  const offered = length > 0 ? (sum((w) => w.scheduled) * 1000) / length : 0;
  const answerRps = held > 0 ? (answers * 1000) / held : 0;
  const unbounded = input.connections === Infinity;
  const conns = unbounded ? "its connections" : `all ${input.connections} connections`;
  const seconds = `second${heldBack.length > 1 ? "s" : ""} ${heldBack.map((w) => w.index + 1).join(", ")}`;
  const connectsDominate = connect > pool;
  const busy = connectsDominate
    ? `new connections waited for the server to accept them for ${pctOf(connect, length)} of the measured period`
    : `${conns} were waiting for answers for ${pctOf(pool, length)} of the measured period`;
  const answering = `answering ${num(answerRps)}/s of the ${num(offered)}/s offered while they waited`;
  const summary =
    state === "stalled"
      ? `server stalled: it answered nothing for up to ${msText(silence)} while ${busy}; sends were held back in ${seconds}`
      : state === "saturated"
        ? `server saturated: ${busy}, ${answering}; sends were held back in ${seconds}`
        : `server fell behind: ${busy}, ${answering} (longest silence ${msText(silence)}), then caught up; sends were held back in ${seconds}`;
  const meaning =
    "the sends were late because the server held the connections, not because the generator fell behind; corrected latency counts from each request's intended start, so it includes that wait: these are valid measurements of what a user arriving on schedule gets from this server at this rate";
  const backlog = "only queue in its listen backlog, and connects beyond it wait for a SYN retry (a second or more), which makes the tail worse, not better";
  const parallel = `more --connections help only if it answers concurrent requests in parallel — if a run with twice as many still answers ~${num(answerRps)}/s, that is its capacity, and more connections would only queue in its listen backlog`;
  const advice = connectsDominate
    ? `do not add connections: the server is not accepting them in time (its listen backlog is full); a bounded pool of kept-alive connections (--connections N) measures it without the SYN retries, and the server's stalls are what to fix`
    : state === "stalled"
      ? `more --connections would not help: while the server answers nothing (here for ${msText(silence)}), requests on more connections ${backlog}; the stall is what to fix (a lower --rps only shrinks the queue behind it)`
      : state === "saturated"
        ? `this rate is above what the server takes: use --find-max (or a lower --rps) for the rate it sustains; ${parallel}`
        : `the server caught up, so this is its latency under this load; ${parallel}`;
  return {
    state,
    poolFullShare: round4(length > 0 ? pool / length : 0),
    connectWaitShare: round4(length > 0 ? connect / length : 0),
    longestSilenceMs: round2(silence),
    heldAnswerRps: round2(answerRps),
    offeredRps: round2(offered),
    windows: heldBack.map((w) => w.index),
    connections: unbounded ? "unbounded" : input.connections,
    summary,
    meaning,
    advice,
  };
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const round4 = (x: number) => (Number.isNaN(x) ? x : Math.round(x * 10_000) / 10_000);
const pct = (x: number) => `${Math.round(x * 100)}%`;
const pctOf = (part: number, whole: number) => pct(whole > 0 ? part / whole : 0);
const fmt = (x: number) => String(Math.round(x * 100) / 100);
const msText = (x: number) => `${Math.round(x)} ms`;
const num = (x: number) => String(Math.round(x));
