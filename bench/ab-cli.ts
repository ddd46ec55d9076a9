/**
 * Usage: bun run bench:ab (--revs A B | --variants V1 V2) [--filter RE] [--rounds R] [--time DUR] [--out DIR]
 *
 * An A/B on a noisy machine: runs the two sides alternately, A B A B ..., one
 * fresh process per side per round, so drift in machine load hits both sides
 * alike. Writes DIR/<A>.txt and DIR/<B>.txt (Go benchmark text) and prints
 * their comparison, the same table `bun run bench:compare` prints.
 *
 *   --revs A B        two git revisions, each checked out with `git worktree`
 *                     in a temp dir; "." is the working tree as it is. The
 *                     benchmark code (bench/) of the working tree is copied
 *                     into both checkouts, so only the code under test differs.
 *   --variants V1 V2  two registered enrich variants of this checkout; only
 *                     variant-specific benchmarks run, named without /variant=.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT as ROOT } from "../src/root.ts";
import { cli, fail } from "../src/cli/args.ts";
import { collectMeta } from "../scripts/lib/meta.ts";
import { parseGoBench } from "./format/gobench.ts";
import { DEFAULT_IGNORE, buildTables, renderTables } from "./compare/tables.ts";
import { goLines, header, runRound, type SummaryStat } from "./harness/rounds.ts";
import { gitCommit } from "./harness/worktree.ts";
import { Worktrees } from "./harness/worktree.ts";

const USAGE = `Usage: bun run bench:ab (--revs A B | --variants V1 V2) [flags]

Runs two sides alternately (A B A B ...), each round a fresh process per side,
writes <out>/<A>.txt and <out>/<B>.txt and prints their benchstat comparison.
  --revs A B        two git revisions (worktrees in a temp dir; "." = working tree);
                    this checkout's bench/ is used on both sides
  --variants V1 V2  two enrich variants of this checkout`;

const o = cli(process.argv.slice(2), USAGE, {
  revs: { kind: "boolean", help: "the two positional arguments are git revisions" },
  variants: { kind: "boolean", help: "the two positional arguments are variant names" },
  filter: { kind: "string", help: "only benchmarks whose name matches this regular expression" },
  rounds: { kind: "number", default: 10, help: "rounds; each runs A then B in fresh processes" },
  time: { kind: "duration", default: "300ms", help: "minimum timed CPU per benchmark per round" },
  out: { kind: "string", default: ".bench-out", help: "directory for the two result files" },
  stat: { kind: "string", default: "median", choices: ["mean", "median"], help: "each round's value: median or mean ns/op of its samples (see docs/bench.md)" },
  "no-alloc": { kind: "boolean", help: "skip the B/op measurement" },
  seed: { kind: "number", default: 1, help: "seed of the per-round shuffles (both sides of a round share one order)" },
  "fail-on-regression": { kind: "string", help: "exit 1 if B is significantly slower than A by more than this (e.g. 5%)" },
}, { positionals: true });

if (o.revs === o.variants) fail("give exactly one of --revs or --variants");
if (o._.length !== 2) fail(`expected two ${o.revs ? "revisions" : "variants"}, got ${o._.length}`);
if (!Number.isInteger(o.rounds) || o.rounds < 1) fail("--rounds must be a positive integer");
if (o.filter !== undefined) {
  try {
    new RegExp(o.filter);
  } catch (e) {
    fail(`--filter: ${(e as Error).message}`);
  }
}

if (o.variants) {
  const { getVariant } = await import("../src/enrich/registry.ts");
  for (const v of o._) {
    try {
      getVariant(v);
    } catch (e) {
      fail((e as Error).message);
    }
  }
}

interface Side {
  label: string;
  root: string;
  commit: string;
  variant?: string;
  lines: string[];
}

const trees = o.revs ? new Worktrees(ROOT) : null;
const cleanup = () => trees?.cleanup();
process.on("SIGINT", () => {
  cleanup();
  process.exit(130);
});
// Taken before the rounds, so its hostCpu spans them.
const meta = collectMeta();

const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, "_");

function checkout(rev: string, which: string): Side {
  try {
    return { ...trees!.checkout(rev, which), lines: [] };
  } catch (e) {
    return fail(`--revs: ${(e as Error).message}`);
  }
}

let sides: [Side, Side];
try {
  if (o.revs) sides = [checkout(o._[0]!, "a"), checkout(o._[1]!, "b")];
  else {
    const commit = gitCommit(ROOT);
    sides = [o._[0]!, o._[1]!].map((v) => ({ label: safe(v), root: ROOT, commit, variant: v, lines: [] as string[] })) as unknown as [Side, Side];
  }
  if (sides[0].label === sides[1].label) {
    sides[0].label += "-A";
    sides[1].label += "-B";
  }
  for (let r = 0; r < o.rounds; r++) {
    for (const side of sides) {
      process.stderr.write(`bench:ab: round ${r + 1}/${o.rounds} ${side.label}...\n`);
      const results = await runRound({ root: side.root, filter: o.filter, variant: side.variant, seed: o.seed * 1000 + r, timeMs: o.time, alloc: !o["no-alloc"] });
      if (results.length === 0) throw new Error(`no benchmark ran for ${side.label}${o.filter ? ` with --filter ${o.filter}` : ""}`);
      side.lines.push(...goLines(results, o.stat as SummaryStat));
    }
  }
} catch (e) {
  cleanup();
  fail((e as Error).message, 1);
} finally {
  cleanup();
}

mkdirSync(o.out, { recursive: true });
const files = sides.map((s) => {
  const path = join(o.out, `${s.label}.txt`);
  const text = `${header(s.commit, s.variant ? [["variant", s.variant]] : []).map(([k, v]) => `${k}: ${v}`).join("\n")}\n${s.lines.join("\n")}\n`;
  writeFileSync(path, text);
  return { label: `${s.label}.txt`, path, text };
});
const tables = buildTables(files.map((f) => ({ label: f.label, parsed: parseGoBench(f.text, f.path) })), { alpha: 0.05, confidence: 0.95, ignore: [...DEFAULT_IGNORE] });
const rendered = renderTables(tables);
// The comparison beside its inputs, with the conditions it was run under (a figure without them is unattributable).
writeFileSync(join(o.out, "compare.txt"), rendered);
writeFileSync(join(o.out, "meta.json"), `${JSON.stringify({ sides: sides.map((s) => ({ label: s.label, commit: s.commit, variant: s.variant ?? null })), rounds: o.rounds, timePerBenchmark: o.time, stat: o.stat, filter: o.filter ?? null, seed: o.seed, meta }, null, 2)}\n`);
process.stderr.write(`bench:ab: wrote ${files.map((f) => f.path).join(" and ")}, compare.txt and meta.json; compare again with: bun run bench:compare ${files.map((f) => f.path).join(" ")}\n`);
process.stdout.write(rendered);
if (o["fail-on-regression"] !== undefined) {
  const r = Bun.spawnSync([process.execPath, join(ROOT, "bench/compare-cli.ts"), ...files.map((f) => f.path), "--fail-on-regression", o["fail-on-regression"]], { stdout: "ignore", stderr: "inherit" });
  process.exit(r.exitCode ?? 1);
}
