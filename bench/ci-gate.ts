/**
 * Usage: bun bench/ci-gate.ts [--base REV] [--filter RE] [--rounds 8] [--time 100ms] [--threshold 10%] [--out DIR]
 *
 * The CI regression gate (.ci/run runs it). Compares the base commit with the
 * working tree in the same run — never against a committed timing: the base
 * is checked out with `git worktree` under /tmp (this checkout's bench/
 * copied in), and the two sides alternate round by round in ABBA order (A B,
 * B A, ...), each round a fresh process per side, so machine drift lands on
 * both. Then:
 *
 *   1. micro-benchmarks (a small representative set): benchstat's table, and
 *      a failure for any row significantly slower by more than --threshold,
 *      significance corrected across rows with Holm–Bonferroni
 *      (bench/compare/gate.ts);
 *   2. the CPU profile of a fixed workload (bench/gate/profile-workload.ts,
 *      bun --cpu-prof): a failure, naming the frame, when a hot frame's self
 *      share grew by more than --profile-threshold percentage points in every
 *      round (bench/gate/profile-gate.ts).
 *
 * The base by default: the merge-base with main when HEAD is on another line;
 * else HEAD when the working tree has uncommitted changes; else HEAD~1. With
 * no base (a shallow clone), it says so and exits 0: nothing was compared.
 * Writes A.txt, B.txt, compare.txt, profile.txt and meta.json to --out.
 * Exit: 0 pass (or skipped), 1 regression or undecidable, 2 bad usage.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROJECT_ROOT as ROOT } from "../src/root.ts";
import { cli, fail } from "../src/cli/args.ts";
import { formatDuration } from "../src/cli/duration.ts";
import { collectMeta } from "../scripts/lib/meta.ts";
import { parseGoBench } from "./format/gobench.ts";
import { DEFAULT_IGNORE, buildTables, renderTables } from "./compare/tables.ts";
import { gateText, runGate } from "./compare/gate.ts";
import { compareShares, profileGateText, type Shares, sharesOf } from "./gate/profile-gate.ts";
import { goLines, header, runRound } from "./harness/rounds.ts";
import { type Checkout, Worktrees } from "./harness/worktree.ts";
import { GATE_DEFAULTS as D } from "../src/config.ts";

const USAGE = `Usage: bun bench/ci-gate.ts [flags]

The CI regression gate: base commit (worktree under /tmp) against the working
tree, interleaved in one run: micro-benchmarks with a Holm–Bonferroni-corrected
--fail-on-regression, and the hottest frames of a fixed workload's CPU profile.
Exit 0 pass or skipped (no base), 1 regression or undecidable, 2 bad usage.`;

const o = cli(process.argv.slice(2), USAGE, {
  base: { kind: "string", help: "base revision (default: merge-base with main; HEAD if the tree is dirty; else HEAD~1)" },
  head: { kind: "string", help: "the side under test: '.' is the working tree; a revision is checked out too (--base X --head X is an A/A)", default: "." },
  filter: { kind: "string", help: "micro-benchmarks to run (regular expression)", default: D.filter },
  rounds: { kind: "number", help: "micro-benchmark rounds per side", default: D.rounds },
  time: { kind: "duration", help: "timed CPU per benchmark per round", default: formatDuration(D.timeMs) },
  threshold: { kind: "string", help: "fail slowdowns significantly larger than this", default: `${D.thresholdPct}%` },
  alpha: { kind: "number", help: "family-wise significance level (Holm–Bonferroni across rows)", default: D.alpha },
  "profile-rounds": { kind: "number", help: "CPU-profile rounds per side (0 = skip the profile check)", default: D.profileRounds },
  "profile-ms": { kind: "number", help: "wall time of the profiled workload per round, ms", default: D.profileMs },
  "profile-threshold": { kind: "number", help: "fail when a hot frame's self share grows by more than this many percentage points", default: D.profileThresholdPp },
  seed: { kind: "number", help: "seed of the per-round benchmark order", default: D.seed },
  out: { kind: "string", help: "where the results go", default: D.out },
});
const threshold = Number(/^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(o.threshold)?.[1] ?? NaN);
if (!Number.isFinite(threshold)) fail(`--threshold: expected a percentage like 10%, got '${o.threshold}'`);
if (!Number.isInteger(o.rounds) || o.rounds < 1) fail("--rounds: expected a positive integer");
if (!Number.isInteger(o["profile-rounds"]) || o["profile-rounds"] < 0) fail("--profile-rounds: expected a whole number");
try {
  new RegExp(o.filter);
} catch (e) {
  fail(`--filter: ${(e as Error).message}`);
}

const say = (s: string) => process.stderr.write(`ci-gate: ${s}\n`);
const started = performance.now();

/** The default base, and why it is the base. */
function autoBase(): { rev: string; why: string } | null {
  const ok = (args: string[]) => Bun.spawnSync(["git", ...args], { cwd: ROOT, stdout: "pipe", stderr: "ignore" });
  const head = ok(["rev-parse", "HEAD"]).stdout.toString().trim();
  for (const main of ["main", "origin/main"]) {
    const mb = ok(["merge-base", "HEAD", main]);
    const sha = mb.stdout.toString().trim();
    if (mb.success && sha && sha !== head) return { rev: sha, why: `merge-base of HEAD and ${main}` };
  }
  const dirty = ok(["status", "--porcelain", "--untracked-files=no"]).stdout.toString().trim() !== "";
  if (dirty) return { rev: "HEAD", why: "HEAD (the working tree has uncommitted changes)" };
  if (ok(["rev-parse", "--verify", "--quiet", "HEAD~1^{commit}"]).success) return { rev: "HEAD~1", why: "HEAD~1 (clean tree on main: the last commit is the change)" };
  return null;
}

const base = o.base ? { rev: o.base, why: "--base" } : autoBase();
if (!base) {
  say("SKIPPED: no base commit to compare with (a single commit, or a shallow clone: fetch with depth ≥ 2); nothing was compared");
  process.exit(0);
}

const trees = new Worktrees(ROOT, "enrich-ci-gate-");
process.on("SIGINT", () => (trees.cleanup(), process.exit(130)));
const profTmp = mkdtempSync(join(tmpdir(), "enrich-ci-gate-prof-"));
let sides: [Checkout, Checkout];
try {
  sides = [trees.checkout(base.rev, "base"), trees.checkout(o.head, "head")];
} catch (e) {
  trees.cleanup();
  fail(`--base: ${(e as Error).message}`);
}
const [A, B] = sides;
say(`base ${A.commit} (${base.why}) against ${o.head === "." ? "the working tree" : o.head} ${B.commit}; ${o.rounds} ABBA rounds, ${o["profile-rounds"]} profile rounds`);

/** ABBA: round r runs A then B when r is even, B then A when odd, so neither side always goes first. */
const order = (r: number): [Checkout, Checkout] => (r % 2 === 0 ? [A, B] : [B, A]);

let code = 0;
try {
  const lines = new Map<Checkout, string[]>([[A, []], [B, []]]);
  for (let r = 0; r < o.rounds; r++) {
    for (const side of order(r)) {
      const results = await runRound({ root: side.root, filter: o.filter, seed: o.seed * 1000 + r, timeMs: o.time, alloc: false });
      if (results.length === 0) throw new Error(`no benchmark matched --filter on the ${side === A ? "base" : "head"} side`);
      lines.get(side)!.push(...goLines(results, "median"));
    }
    say(`round ${r + 1}/${o.rounds} done (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  }
  mkdirSync(o.out, { recursive: true });
  const texts = [A, B].map((s) => `${header(s.commit).map(([k, v]) => `${k}: ${v}`).join("\n")}\n${lines.get(s)!.join("\n")}\n`);
  writeFileSync(join(o.out, "A.txt"), texts[0]!);
  writeFileSync(join(o.out, "B.txt"), texts[1]!);
  const tables = buildTables([{ label: `base ${A.commit}`, parsed: parseGoBench(texts[0]!, "A.txt") }, { label: `head ${B.commit}`, parsed: parseGoBench(texts[1]!, "B.txt") }], { alpha: o.alpha, confidence: 0.95, ignore: [...DEFAULT_IGNORE] });
  const g = runGate(tables, { alpha: o.alpha, thresholdPct: threshold, correction: "holm" });
  const compare = `${renderTables(tables)}\n${gateText(g)}`;
  writeFileSync(join(o.out, "compare.txt"), compare);
  process.stdout.write(compare);
  if (g.failures.length || g.undecidable) code = 1;

  let profile: ReturnType<typeof compareShares> | null = null;
  if (o["profile-rounds"] > 0) {
    const shares = new Map<Checkout, Shares[]>([[A, []], [B, []]]);
    for (let r = 0; r < o["profile-rounds"]; r++) {
      for (const side of order(r)) shares.get(side)!.push(await profileRound(side, r));
    }
    profile = compareShares(shares.get(A)!, shares.get(B)!, o["profile-threshold"]);
    const text = profileGateText(profile, o["profile-threshold"], [o["profile-rounds"], o["profile-rounds"]]);
    writeFileSync(join(o.out, "profile.txt"), text);
    process.stdout.write(`\n${text}`);
    if (profile.some((f) => f.fails)) code = 1;
  }
  const elapsedS = Math.round((performance.now() - started) / 100) / 10;
  writeFileSync(
    join(o.out, "meta.json"),
    `${JSON.stringify({ base: { commit: A.commit, why: base.why }, head: { commit: B.commit }, order: "ABBA", rounds: o.rounds, timePerBenchmark: o.time, filter: o.filter, alpha: o.alpha, correction: "holm", thresholdPct: threshold, profile: { rounds: o["profile-rounds"], ms: o["profile-ms"], thresholdPp: o["profile-threshold"] }, gate: { rows: g.rows, undecidable: g.undecidable }, profileFrames: profile, pass: code === 0, elapsedS, meta: collectMeta() }, null, 2)}\n`,
  );
  say(`${code === 0 ? "pass" : "FAIL"} in ${elapsedS} s; results in ${o.out}`);
} catch (e) {
  say(`error: ${(e as Error).message}`);
  code = 1;
} finally {
  trees.cleanup();
  rmSync(profTmp, { recursive: true, force: true });
}
process.exit(code);

/** One profiled run of the fixed workload in a side's checkout; its self shares. */
async function profileRound(side: Checkout, r: number): Promise<Shares> {
  const dir = join(profTmp, `${side === A ? "a" : "b"}-${r}`);
  mkdirSync(dir, { recursive: true });
  await using p = Bun.spawn([process.execPath, "--cpu-prof", `--cpu-prof-dir=${dir}`, "bench/gate/profile-workload.ts", "--ms", String(o["profile-ms"]), "--variant", D.profileVariant], { cwd: side.root, stdout: "pipe", stderr: "pipe" });
  const [err, exit] = await Promise.all([new Response(p.stderr).text(), p.exited]);
  if (exit !== 0) throw new Error(`profile workload failed in ${side.root}: ${err.trim().split("\n").pop()}`);
  const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
  if (!file) throw new Error(`bun --cpu-prof wrote no profile in ${dir}`);
  return sharesOf(join(dir, file), side.root);
}

