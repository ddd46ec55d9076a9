/**
 * Usage: bun bench/gate-false-alarm.ts [--runs 6] [--rev HEAD] [--out profiles/ci-gate-false-alarm]
 *
 * How often the CI gate fails unchanged code: --runs A/A gates
 * (`bench/ci-gate.ts --base REV --head REV`: two worktrees of the same
 * commit, interleaved exactly as in CI), and over all their unchanged rows:
 * how many had a raw p ≤ alpha (what benchstat would flag), how many
 * survived Holm–Bonferroni, how many failed the gate (adjusted p ≤ alpha and
 * slower beyond the threshold), how many would have failed it without the
 * correction, and the same for the profile check's hot frames. Writes
 * OUT/meta.json and each run's results under OUT/runs/.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT as ROOT } from "../src/root.ts";
import { cli, fail } from "../src/cli/args.ts";
import { collectMeta } from "../scripts/lib/meta.ts";
import type { GateRow } from "./compare/gate.ts";
import type { FrameVerdict } from "./gate/profile-gate.ts";
import { GATE_DEFAULTS } from "../src/config.ts";

const o = cli(process.argv.slice(2), "Usage: bun bench/gate-false-alarm.ts [flags]\n\nA/A runs of the CI gate: its false-alarm rate over unchanged rows.", {
  runs: { kind: "number", help: "A/A gate runs", default: 6 },
  rev: { kind: "string", help: "the revision on both sides (\".\" = the working tree, both sides in this checkout)", default: "HEAD" },
  out: { kind: "string", help: "where meta.json goes", default: "profiles/ci-gate-false-alarm" },
});
if (!Number.isInteger(o.runs) || o.runs < 1) fail("--runs: expected a positive integer");

const runs: { exit: number; elapsedS: number; rows: GateRow[]; frames: FrameVerdict[] }[] = [];
for (let i = 0; i < o.runs; i++) {
  const out = join(o.out, "runs", String(i + 1));
  process.stderr.write(`false-alarm: A/A gate ${i + 1}/${o.runs}\n`);
  // Both sides are the same commit, so one bench index serves both (it is built from that commit's code either way).
  const r = Bun.spawnSync([process.execPath, "bench/ci-gate.ts", "--base", o.rev, "--head", o.rev, "--seed", String(i + 1), "--out", out], { cwd: ROOT, stdout: "ignore", stderr: "inherit", env: { ...process.env, BENCH_INDEX: process.env.BENCH_INDEX ?? join(ROOT, "data", "bench-1000000-1") } });
  const meta = JSON.parse(readFileSync(join(out, "meta.json"), "utf8"));
  runs.push({ exit: r.exitCode ?? -1, elapsedS: meta.elapsedS, rows: meta.gate.rows, frames: meta.profileFrames ?? [] });
}
const a = GATE_DEFAULTS.alpha, t = GATE_DEFAULTS.thresholdPct;
const rows = runs.flatMap((r) => r.rows);
const frames = runs.flatMap((r) => r.frames);
const uncorrectedFails = (rs: GateRow[]) => rs.filter((r) => r.p <= a && r.worse && Math.abs(r.deltaPct) > t).length;
const result = {
  what: "A/A runs of bench/ci-gate.ts (same commit on both sides, two worktrees, ABBA rounds): false alarms over unchanged rows",
  settings: GATE_DEFAULTS,
  runs: o.runs,
  rowsCompared: rows.length,
  rawSignificant: rows.filter((r) => r.p <= a).length,
  holmSignificant: rows.filter((r) => r.pAdj <= a).length,
  gateFailingRows: rows.filter((r) => r.fails).length,
  gateRunsFailed: runs.filter((r) => r.rows.some((x) => x.fails)).length,
  withoutCorrection: { failingRows: uncorrectedFails(rows), runsFailed: runs.filter((r) => uncorrectedFails(r.rows) > 0).length },
  largestAbsDeltaPct: Math.max(...rows.map((r) => Math.abs(r.deltaPct))),
  smallestP: Math.min(...rows.map((r) => r.p)),
  profile: { framesJudged: frames.length, failing: frames.filter((f) => f.fails).length, runsFailed: runs.filter((r) => r.frames.some((f) => f.fails)).length, largestDeltaPp: Math.max(...frames.map((f) => f.deltaPp)), separatedFrames: frames.filter((f) => f.separated).length },
  exitCodes: runs.map((r) => r.exit),
  elapsedS: runs.map((r) => r.elapsedS),
  perRow: rows.map((r) => ({ name: r.name, deltaPct: Math.round(r.deltaPct * 100) / 100, p: r.p, pAdj: r.pAdj })),
  meta: collectMeta(),
};
mkdirSync(o.out, { recursive: true });
writeFileSync(join(o.out, "meta.json"), `${JSON.stringify(result, null, 2)}\n`);
console.log(`${o.runs} A/A gates, ${rows.length} unchanged rows: raw p ≤ ${a} in ${result.rawSignificant}, after Holm ${result.holmSignificant}; gate failures ${result.gateFailingRows} rows in ${result.gateRunsFailed} runs (without the correction: ${result.withoutCorrection.failingRows} rows in ${result.withoutCorrection.runsFailed} runs); largest |Δ| ${result.largestAbsDeltaPct.toFixed(2)}%`);
console.log(`profile check: ${result.profile.framesJudged} frames judged, ${result.profile.failing} failing, largest growth ${result.profile.largestDeltaPp.toFixed(2)} pp`);
console.log(join(o.out, "meta.json"));
