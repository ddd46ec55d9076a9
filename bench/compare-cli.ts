/**
 * Usage: bun run bench:compare OLD.txt NEW.txt [MORE.txt ...] [flags]
 *
 * benchstat for this repo: reads Go benchmark text (files written by
 * `bun run bench --save`, or real `go test -bench` output), and prints for each
 * benchmark the median ± 95% CI of every file and, against the first file,
 * the change of median with its Mann-Whitney p-value, "~" when it is not
 * significant, and a geomean row. A file may be given as LABEL=PATH to name
 * its column.
 *
 * With --fail-on-regression 5%, exits 1 if any benchmark got significantly
 * slower (sec/op up, or a rate such as B/s down) by more than 5%: a CI gate
 * that ignores noise. Significance there is corrected across rows
 * (Holm–Bonferroni, bench/compare/gate.ts): 20 unchanged rows fail it with
 * probability ≤ alpha, not 64%. The table itself stays benchstat's, raw p.
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { cli, fail } from "../src/cli/args.ts";
import { parseGoBench } from "./format/gobench.ts";
import { DEFAULT_IGNORE, buildTables, renderTables, type Input } from "./compare/tables.ts";
import { gateText, runGate } from "./compare/gate.ts";

const USAGE = `Usage: bun run bench:compare OLD.txt NEW.txt [MORE.txt ...] [flags]

Compares Go benchmark text files the way benchstat does: median ± 95% CI per
file, delta vs the first file with a Mann-Whitney U p-value, "~" when not
significant (p > alpha), geomean row. Name a column with LABEL=PATH.
With --fail-on-regression, significance is corrected across all speed rows
(Holm–Bonferroni; --correction none for benchstat's per-row p).
Exit status: 0 ok, 1 a significant regression beyond --fail-on-regression (or
too few rounds for the gate to ever reject), 2 bad usage.`;

const opts = cli(process.argv.slice(2), USAGE, {
  alpha: { kind: "number", default: 0.05, help: "significance level: a change counts when p ≤ alpha" },
  confidence: { kind: "number", default: 0.95, help: "confidence level of the ± ranges" },
  "fail-on-regression": { kind: "string", help: "exit 1 if a significant slowdown (sec/op up, rate down) exceeds this (e.g. 5%)" },
  correction: { kind: "string", default: "holm", choices: ["holm", "none"], help: "with --fail-on-regression: multiple-comparison correction across rows" },
  ignore: { kind: "string", default: DEFAULT_IGNORE.join(","), help: "configuration keys not to split tables by ('' for none)" },
}, { positionals: true });

if (opts._.length === 0) fail("expected at least one benchmark file (OLD.txt NEW.txt)");
if (!(opts.alpha >= 0 && opts.alpha <= 1)) fail("--alpha must be in range [0, 1]");
if (!(opts.confidence >= 0 && opts.confidence <= 1)) fail("--confidence must be in range [0, 1]");
const threshold = opts["fail-on-regression"] === undefined ? undefined : parsePercent(opts["fail-on-regression"]);

const inputs: Input[] = opts._.map((arg) => {
  const eq = arg.indexOf("=");
  const [label, path] = eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [basename(arg), arg];
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    return fail(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return { label, parsed: parseGoBench(text, path) };
});
const labels = new Set<string>();
for (const i of inputs) {
  if (labels.has(i.label)) fail(`two inputs are labelled '${i.label}': name them with LABEL=PATH`);
  labels.add(i.label);
  for (const e of i.parsed.errors) process.stderr.write(`${e}\n`);
}
if (inputs.every((i) => i.parsed.results.length === 0)) fail("no benchmark results in the input files");

const tables = buildTables(inputs, { alpha: opts.alpha, confidence: opts.confidence, ignore: opts.ignore.split(/[\s,]+/).filter(Boolean) });
process.stdout.write(renderTables(tables));

if (threshold !== undefined) {
  // Slowdowns only: B/op and allocs/op changes are in the table but do not fail the gate.
  const g = runGate(tables, { alpha: opts.alpha, thresholdPct: threshold, correction: opts.correction as "holm" | "none" });
  process.stderr.write(gateText(g));
  if (g.failures.length > 0 || g.undecidable) process.exit(1);
}

function parsePercent(s: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(s);
  if (!m) fail(`--fail-on-regression: expected a percentage like 5%, got '${s}'`);
  return Number(m[1]);
}
