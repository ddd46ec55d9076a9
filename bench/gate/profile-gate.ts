/**
 * The CPU-profile half of the CI gate ("flame-graph diff in CI"): the fixed
 * workload (profile-workload.ts) profiled in rounds on both sides, each
 * function's self share of the profile per round, and a failure when a hot
 * frame grew by more than the threshold (percentage points of the profile)
 * with every round of B above every round of A — so one noisy round on
 * either side cannot fail it, and the frame is named.
 */
import { readAnyProfile } from "../../scripts/profile/profile-file.ts";
import { topRows } from "../../scripts/profile/top.ts";

/** A round's self shares by frame key ("name  path-relative-to-its-checkout"). */
export type Shares = Map<string, number>;

/** Frames that say nothing about the code: the idle loop and the profile's root. */
const IGNORED = new Set(["(idle)", "(root)"]);

/** sharesOf reads one profile file and keys its functions by name and checkout-relative file. */
export async function sharesOf(path: string, root: string): Promise<Shares> {
  const p = await readAnyProfile(path);
  const rows = topRows(p, p.defaultIndex).filter((r) => !IGNORED.has(r.name));
  const t = rows.reduce((a, r) => a + r.flat, 0) || 1;
  const out: Shares = new Map();
  for (const r of rows) {
    const file = r.file.replace(/^file:\/\//, "").replace(`${root}/`, "");
    const key = file ? `${r.name}  ${file}` : r.name;
    out.set(key, (out.get(key) ?? 0) + r.flat / t);
  }
  return out;
}

export interface FrameVerdict {
  frame: string;
  /** Median self share per side, 0..1. */
  a: number;
  b: number;
  /** (b − a) in percentage points. */
  deltaPp: number;
  /** Every B round above every A round. */
  separated: boolean;
  fails: boolean;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** compareShares judges the `top` hottest frames of either side (by median share). */
export function compareShares(a: Shares[], b: Shares[], thresholdPp: number, top = 5): FrameVerdict[] {
  const shares = (rounds: Shares[], k: string) => rounds.map((r) => r.get(k) ?? 0);
  const hottest = (rounds: Shares[]) => {
    const keys = new Set(rounds.flatMap((r) => [...r.keys()]));
    return [...keys].sort((x, y) => median(shares(rounds, y)) - median(shares(rounds, x))).slice(0, top);
  };
  const frames = [...new Set([...hottest(a), ...hottest(b)])];
  return frames
    .map((frame) => {
      const sa = shares(a, frame), sb = shares(b, frame);
      const deltaPp = (median(sb) - median(sa)) * 100;
      const separated = Math.min(...sb) > Math.max(...sa);
      return { frame, a: median(sa), b: median(sb), deltaPp, separated, fails: separated && deltaPp > thresholdPp };
    })
    .sort((x, y) => y.deltaPp - x.deltaPp);
}

export function profileGateText(v: FrameVerdict[], thresholdPp: number, rounds: [number, number]): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const lines = [`hot frames of the fixed workload, self share of the CPU profile (median of ${rounds[0]} A / ${rounds[1]} B rounds):`];
  for (const f of v) lines.push(`  ${pct(f.a).padStart(6)} → ${pct(f.b).padStart(6)}  ${(f.deltaPp >= 0 ? "+" : "") + f.deltaPp.toFixed(1)} pp${f.separated ? " (every round)" : ""}  ${f.frame}`);
  const bad = v.filter((f) => f.fails);
  for (const f of bad) lines.push(`profile regression: ${f.frame}: self share ${pct(f.a)} → ${pct(f.b)} (+${f.deltaPp.toFixed(1)} pp, beyond ${thresholdPp} pp, in every round)`);
  lines.push(`profile gate: ${bad.length ? "FAIL" : "pass"}: ${bad.length} hot frame(s) grew beyond ${thresholdPp} pp`);
  return `${lines.join("\n")}\n`;
}
