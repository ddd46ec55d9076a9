/**
 * Usage: bun bench/paired-served.ts (--variants A,B | --revs A,B [--variant V]) [--untracked] [--size 1] [--pairs 201] [--chunk 300] [--out DIR]
 *
 * Two variants' served hot paths (bench/harness/served.ts) in one process, or
 * one variant's at two revisions (`--revs`: each checked out as bench:ab
 * --revs does, with this checkout's bench/, and imported side by side: two
 * module graphs, one process),
 * timed in short chunks that alternate A B, B A, A B … A host whose speed
 * drifts from one second to the next (FINDINGS.md §50: the same loop took
 * 0.66–1.15 s from run to run) then slows both sides of a pair alike, where a
 * fresh process per side and round (bench:ab) sees the drift as noise. What
 * it reports: the median of the per-pair ratios B/A with its 95% confidence
 * interval (order statistics, as benchstat's), and a sign test, that is, in how many pairs B
 * was faster and the two-sided p of that count were there no difference.
 * Every answer of both sides is checked before anything is timed.
 *
 * What it cannot separate: both sides share one heap, so a collection that
 * one side's garbage starts may land in the other's chunk (over many pairs
 * that blurs the sides' GC costs together), and one JIT (shared code such as
 * the HTTP layer is compiled for both). It is for small differences in CPU
 * per request that closed-loop runs cannot resolve, next to them, not
 * instead of them. Pin it (`taskset -c 0`); its CPU list is in meta.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, fail } from "../src/cli/args.ts";
import { VARIANTS } from "../src/enrich/registry.ts";
import { collectMeta, HostSpan } from "../scripts/lib/meta.ts";
import { served } from "./harness/served.ts";
import { Worktrees } from "./harness/worktree.ts";
import { benchIndexDir } from "./suites/fixtures.ts";
import { SERVICE_DEFAULTS } from "../src/config.ts";
import { PROJECT_ROOT } from "../src/root.ts";
import { expectEqual } from "./harness/spec.ts";
import { binomialPmf, ciBounds, quantile, quantileCI } from "./stats/order.ts";

const args = cli(
  process.argv.slice(2),
  "Usage: bun bench/paired-served.ts --variants A,B [options]\n\nTwo variants' served hot paths in one process, timed in alternating chunks: the median per-pair ratio B/A with its 95% CI and a sign test; writes meta.json.",
  {
    variants: { kind: "string", help: "the two variants, A,B (B against base A)" },
    revs: { kind: "string", help: "instead: two git revisions, A,B ('.' = the working tree), each serving --variant" },
    variant: { kind: "string", help: "with --revs: the variant both revisions serve", default: SERVICE_DEFAULTS.variant },
    untracked: { kind: "boolean", help: "without the admin side's request tracking (the app alone)" },
    size: { kind: "number", help: "events per request", default: 1 },
    pairs: { kind: "number", help: "chunk pairs timed (odd, so the median is one pair's)", default: 201 },
    chunk: { kind: "number", help: "requests per chunk", default: 300 },
    warmup: { kind: "number", help: "requests each side answers before timing", default: 20000 },
    out: { kind: "string", help: "directory for meta.json" },
  },
);
if ((args.variants === undefined) === (args.revs === undefined)) fail("give exactly one of --variants A,B or --revs A,B", 2);
const names = (args.variants ?? args.revs ?? "").split(",").filter(Boolean);
if (names.length !== 2) fail(`--${args.revs ? "revs" : "variants"}: expected two, A,B, got '${args.variants ?? args.revs}'`, 2);
if (!args.revs) for (const n of names) if (!VARIANTS.has(n)) fail(`--variants: unknown variant '${n}' (one of: ${[...VARIANTS.keys()].join(", ")})`, 2);
for (const [flag, v, min] of [["pairs", args.pairs, 3], ["chunk", args.chunk, 1], ["size", args.size, 1], ["warmup", args.warmup, 0]] as const) {
  if (!Number.isInteger(v) || v < min) fail(`--${flag}: expected an integer of at least ${min}, got ${v}`, 2);
}

const meta = collectMeta();
const cpus = /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? "unknown";
const trees = args.revs ? new Worktrees(PROJECT_ROOT, "enrich-paired-") : null;
if (trees) {
  try {
    for (const rev of names) if (rev !== ".") trees.resolve(rev);
  } catch (e) {
    trees.cleanup();
    fail(`--revs: ${(e as Error).message}`, 2);
  }
}
process.on("SIGINT", () => process.exit(130));
// A failed check throws: the worktrees go either way.
process.on("exit", () => trees?.cleanup());
/** Side i: a variant of this checkout, or --variant at revision i (its own src/, this checkout's harness). */
async function side(i: number) {
  if (!trees) return { name: names[i]!, commit: null as string | null, s: served(names[i]!, !args.untracked, args.size), ns: [] as number[] };
  const co = trees.checkout(names[i]!, i === 0 ? "a" : "b");
  // Both revisions answer from the one bench index of this checkout: the same bytes, built once.
  process.env.BENCH_INDEX ??= benchIndexDir();
  const harness = (await import(join(co.root, "bench/harness/served.ts"))) as typeof import("./harness/served.ts");
  try {
    return { name: `${co.label}`, commit: co.commit, s: harness.served(args.variant, !args.untracked, args.size), ns: [] as number[] };
  } catch (e) {
    trees.cleanup();
    fail(`--revs: ${names[i]} cannot serve ${args.variant}: ${(e as Error).message}`, 2);
  }
}
const sides = [await side(0), await side(1)];

for (const side of sides) {
  expectEqual(`${side.name}'s answer`, await side.s.answer(), side.s.expected);
  for (let i = 0; i < args.warmup; i++) await side.s.answer();
  expectEqual(`${side.name}'s answer after warm-up`, await side.s.answer(), side.s.expected);
}

async function chunk(side: (typeof sides)[number]): Promise<void> {
  const t0 = Bun.nanoseconds();
  for (let i = 0; i < args.chunk; i++) await side.s.answer();
  side.ns.push((Bun.nanoseconds() - t0) / args.chunk);
}

const span = new HostSpan();
const started = performance.now();
for (let p = 0; p < args.pairs; p++) {
  const [first, second] = p % 2 === 0 ? [sides[0]!, sides[1]!] : [sides[1]!, sides[0]!];
  await chunk(first);
  await chunk(second);
  if ((p + 1) % 50 === 0) process.stderr.write(`paired-served: ${p + 1}/${args.pairs} pairs (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
}
const host = span.toJSON();
trees?.cleanup();
for (const side of sides) expectEqual(`${side.name}'s answer after timing`, await side.s.answer(), side.s.expected);

const [A, B] = sides as [(typeof sides)[0], (typeof sides)[0]];
const ratios = A.ns.map((a, i) => B.ns[i]! / a).sort((x, y) => x - y);
const n = ratios.length;
const [lo, hi] = ciBounds(quantileCI(n, 0.5, 0.95), ratios);
const faster = A.ns.filter((a, i) => B.ns[i]! < a).length;
// Two-sided sign test: twice the smaller tail of Binomial(n, 1/2), at most 1.
let tail = 0;
for (let k = 0; k <= Math.min(faster, n - faster); k++) tail += binomialPmf(n, 0.5, k);
const p = Math.min(1, 2 * tail);
const med = (xs: number[]) => quantile([...xs].sort((x, y) => x - y), 0.5);
const pct = (r: number) => `${r >= 1 ? "+" : ""}${((r - 1) * 100).toFixed(2)}%`;

const summary = [
  `${B.name} against ${A.name}${trees ? ` (${args.variant} at ${A.commit} and ${B.commit})` : ""}, served hot path${args.untracked ? " (untracked)" : ""}, ${args.size}-event requests, ${n} pairs of ${args.chunk} requests a side, CPUs ${cpus}`,
  `  ${A.name}: ${(med(A.ns) / 1000).toFixed(3)} µs/request (median chunk)`,
  `  ${B.name}: ${(med(B.ns) / 1000).toFixed(3)} µs/request (median chunk)`,
  `  B/A per pair: median ${pct(quantile(ratios, 0.5))}, 95% CI [${pct(lo)}, ${pct(hi)}]; B faster in ${faster} of ${n} pairs, sign test p=${p < 0.001 ? p.toExponential(1) : p.toFixed(3)}`,
].join("\n");
process.stdout.write(`${summary}\n`);
if (args.out) {
  mkdirSync(args.out, { recursive: true });
  const result = { a: A.name, b: B.name, revs: trees ? { a: A.commit, b: B.commit, variant: args.variant } : null, tracked: !args.untracked, size: args.size, pairs: n, chunk: args.chunk, warmup: args.warmup, cpus, ratio: { median: quantile(ratios, 0.5), ci95: [lo, hi] }, signTest: { bFaster: faster, p }, nsPerRequest: { [A.name]: A.ns, [B.name]: B.ns }, host, meta };
  writeFileSync(join(args.out, "meta.json"), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(args.out, "summary.txt"), `${summary}\n`);
  process.stdout.write(`${args.out}\n`);
}
process.exit(0);
