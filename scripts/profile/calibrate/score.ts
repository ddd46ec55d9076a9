/**
 * Scoring a CPU profile against the known-cost server's truth
 * (known-cost-server.ts): each named function's share of the JS thread's
 * on-CPU time by the kernel's clock, against its cumulative share of the
 * profile's CPU total. The truth never comes from a sampler.
 */
import type { FlatProfile } from "../../../src/admin/pprof.ts";
import { sampleIndex, total } from "../pprof.ts";
import { topRows } from "../top.ts";

export const KNOWN_FUNCTIONS = ["hotA", "hotB", "jsonRoundTrip", "lockedIo"] as const;
/** How far (in points of share) a profile may be off the truth to pass; the issue's bar. */
export const TOLERANCE_POINTS = 5;

/** What GET /truth answers: the JS thread's clocks and each function's on-CPU ns, since the server started. */
export interface Truth {
  onCpuNs: number;
  runQueueNs: number;
  functions: Record<string, number>;
}

export interface ScoreRow {
  name: string;
  /** Share of the window's on-CPU time by construction (kernel clock), 0–1. */
  truth: number;
  /** The profile's cumulative share of its own CPU total, 0–1. */
  profile: number;
}

export interface Score {
  profiler: string;
  rows: ScoreRow[];
  /** The profile's CPU total over the kernel's on-CPU time for the window. */
  totalRatio: number;
  onCpuMs: number;
  runQueueMs: number;
  profileMs: number;
  samples: number;
  /** Rows more than TOLERANCE_POINTS off. */
  failures: string[];
}

/** score compares a profile captured between two truth readings (before = all zero for a whole-process profile). */
export function score(profiler: string, p: FlatProfile, before: Truth, after: Truth, typeName = "cpu"): Score {
  const index = sampleIndex(p, typeName);
  const onCpuNs = after.onCpuNs - before.onCpuNs;
  const profileNs = total(p, index);
  const cum = new Map(topRows(p, index, "cum").map((r) => [r.name, r.cum]));
  const rows = KNOWN_FUNCTIONS.map((name) => ({
    name,
    truth: (after.functions[name]! - (before.functions[name] ?? 0)) / onCpuNs,
    profile: (cum.get(name) ?? 0) / (profileNs || 1),
  }));
  const failures = rows.filter((r) => Math.abs(r.profile - r.truth) * 100 > TOLERANCE_POINTS).map((r) => r.name);
  return {
    profiler,
    rows,
    totalRatio: profileNs / onCpuNs,
    onCpuMs: onCpuNs / 1e6,
    runQueueMs: (after.runQueueNs - before.runQueueNs) / 1e6,
    profileMs: profileNs / 1e6,
    samples: p.samples.reduce((a, s) => a + (s.values[0] ?? 0), 0),
    failures,
  };
}

/** scoreTable prints a Score for people: one row per function, points off the truth. */
export function scoreTable(s: Score): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`.padStart(7);
  const lines = [`${s.profiler}: ${s.failures.length ? `FAIL (${s.failures.join(", ")} off by more than ${TOLERANCE_POINTS} points)` : `pass (every share within ${TOLERANCE_POINTS} points)`}`];
  lines.push(`  function        truth  profile  off (points)`);
  for (const r of s.rows) lines.push(`  ${r.name.padEnd(14)} ${pct(r.truth)} ${pct(r.profile)}  ${((r.profile - r.truth) * 100).toFixed(1).padStart(6)}`);
  lines.push(`  profile CPU total ${s.profileMs.toFixed(0)} ms / JS-thread on-CPU ${s.onCpuMs.toFixed(0)} ms = ${s.totalRatio.toFixed(3)}; run-queue wait ${s.runQueueMs.toFixed(0)} ms (not CPU); ${s.samples} samples`);
  return lines.join("\n");
}
