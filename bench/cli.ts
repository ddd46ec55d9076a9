/**
 * Usage: bun run bench [--filter RE] [--save FILE] [--rounds R] [--time DUR] [--variant V] [--stat mean|median] [--list]
 *
 * Micro-benchmarks of every hot function (suites in bench/suites/*.bench.ts).
 * Runs R rounds, each a fresh `bun` process running every selected benchmark
 * once in a shuffled order; each round contributes one value per benchmark,
 * so the statistics compare rounds, not mitata's in-process samples. Prints a
 * benchstat-style summary (median ± 95% CI over rounds) and, with --save,
 * writes Go benchmark text for `bun run bench:compare` or the real benchstat.
 */
import { writeFileSync } from "node:fs";
import { PROJECT_ROOT as ROOT } from "../src/root.ts";
import { cli, fail } from "../src/cli/args.ts";
import { parseGoBench } from "./format/gobench.ts";
import { buildTables, renderTables, DEFAULT_IGNORE } from "./compare/tables.ts";
import { loadSuites, select } from "./harness/round.ts";
import { goLines, header, runRound, type SummaryStat } from "./harness/rounds.ts";
import { gitCommit } from "./harness/worktree.ts";

const USAGE = `Usage: bun run bench [--filter RE] [--save FILE] [--rounds R] [flags]

Runs the micro-benchmarks in bench/suites: R rounds, each a fresh process, in
shuffled order; one value per benchmark per round. Prints median ± 95% CI over
the rounds; --save writes Go benchmark text for bench:compare / benchstat.
To compare two revisions or variants, see bun run bench:ab --help.`;

const o = cli(process.argv.slice(2), USAGE, {
  filter: { kind: "string", help: "only benchmarks whose name matches this regular expression" },
  save: { kind: "string", help: "write the results (Go benchmark format) to this file" },
  rounds: { kind: "number", default: 10, help: "fresh-process rounds (benchstat needs ≥ 6 for a CI, ≥ 4 for a p-value)" },
  time: { kind: "duration", default: "300ms", help: "minimum timed CPU per benchmark per round" },
  variant: { kind: "string", help: "only this variant's benchmarks, named without /variant= (for A/B files)" },
  stat: { kind: "string", default: "median", choices: ["mean", "median"], help: "each round's value: median (robust to preemption) or mean (includes rare GC pauses) ns/op of its samples" },
  "no-alloc": { kind: "boolean", help: "skip the B/op measurement" },
  seed: { kind: "number", default: 1, help: "seed of the per-round shuffles" },
  list: { kind: "boolean", help: "list the selected benchmarks and exit" },
});
if (!Number.isInteger(o.rounds) || o.rounds < 1) fail("--rounds must be a positive integer");
let filter: RegExp | undefined;
try {
  filter = o.filter === undefined ? undefined : new RegExp(o.filter);
} catch (e) {
  fail(`--filter: ${(e as Error).message}`);
}

const selected = select(await loadSuites(), filter, o.variant);
if (o.list) {
  for (const s of selected) process.stdout.write(`${s.name}\n`);
  process.exit(0);
}
if (selected.length === 0) fail(`no benchmark matches${o.filter ? ` --filter ${o.filter}` : ""}${o.variant ? ` --variant ${o.variant}` : ""}`);

const commit = gitCommit(ROOT);
const lines: string[] = [];
const started = performance.now();
for (let r = 0; r < o.rounds; r++) {
  process.stderr.write(`bench: round ${r + 1}/${o.rounds} (${selected.length} benchmarks)...\n`);
  try {
    const results = await runRound({ root: ROOT, filter: o.filter, variant: o.variant, seed: o.seed * 1000 + r, timeMs: o.time, alloc: !o["no-alloc"] });
    lines.push(...goLines(results, o.stat as SummaryStat));
  } catch (e) {
    fail((e as Error).message, 1);
  }
}
const text = `${header(commit, o.variant ? [["variant", o.variant]] : []).map(([k, v]) => `${k}: ${v}`).join("\n")}\n${lines.join("\n")}\n`;
if (o.save) {
  writeFileSync(o.save, text);
  process.stderr.write(`bench: wrote ${o.save} (${o.rounds} rounds in ${((performance.now() - started) / 1000).toFixed(1)}s)\n`);
}
const label = o.save ? o.save.split("/").pop()! : "this run";
process.stdout.write(renderTables(buildTables([{ label, parsed: parseGoBench(text, label) }], { alpha: 0.05, confidence: 0.95, ignore: [...DEFAULT_IGNORE] })));
