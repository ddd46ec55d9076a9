/**
 * Usage: bun run gen --entries N --seed S --out DIR [--requests R] [--no-corpora]
 *
 * Writes the index files and the three request corpora (thin.ndjson,
 * default.ndjson, fat.ndjson) into DIR. Same arguments → byte-identical files.
 */
import { cli, fail } from "../src/cli/args.ts";
import { progressReporter } from "../src/cli/progress.ts";
import { buildIndex } from "../src/index/build.ts";
import { DEFAULT_REQUESTS, writeCorpora } from "../src/workload/corpus.ts";

const USAGE = `Usage: bun run gen --entries N --seed S --out DIR [options]

Writes a memory-mappable index of N entries (keys and 48-byte payloads fixed
by docs/contract.md's formulas) and three Zipfian request corpora into DIR:
thin.ndjson (1 event/request), default.ndjson (100), fat.ndjson (1,000).
The same arguments always produce byte-identical files.`;

const args = cli(process.argv.slice(2), USAGE, {
  entries: { kind: "number", help: "index entries (1 .. 2^31-1)" },
  seed: { kind: "number", help: "seed (non-negative integer)", default: 1 },
  out: { kind: "string", help: "output directory" },
  requests: { kind: "number", help: "requests in default.ndjson; thin has 10x, fat 1/10x", default: DEFAULT_REQUESTS },
  "no-corpora": { kind: "boolean", help: "write the index only" },
  quiet: { kind: "boolean", help: "no progress on stderr" },
});

if (args.entries === undefined || args.out === undefined) fail("--entries and --out are required (see --help)");
if (!Number.isInteger(args.entries) || args.entries < 1) fail(`--entries: expected a positive integer, got ${args.entries}`);
if (!Number.isSafeInteger(args.seed) || args.seed < 0) fail(`--seed: expected a non-negative integer, got ${args.seed}`);
if (!Number.isInteger(args.requests) || args.requests < 1) fail(`--requests: expected a positive integer, got ${args.requests}`);

const started = performance.now();
const say = progressReporter(!args.quiet);
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)}s`;

try {
  buildIndex({ entries: args.entries, seed: args.seed, out: args.out, onProgress: (phase, f) => say(`gen: index ${phase} ${(f * 100).toFixed(0)}% (${elapsed()})`) });
  if (!args["no-corpora"]) {
    writeCorpora(args.out, args.entries, args.seed, args.requests, (mix, f) => say(`gen: corpus ${mix} ${(f * 100).toFixed(0)}% (${elapsed()})`));
  }
} catch (e) {
  fail((e as Error).message, 1);
}
const peakMiB = (process.resourceUsage().maxRSS / 1024).toFixed(0);
say(`gen: wrote ${args.out} (${args.entries} entries, seed ${args.seed}) in ${elapsed()}, peak RSS ${peakMiB} MiB`, true);
