/**
 * Usage: bun bench/harness/round.ts [--filter RE] [--variant V] [--seed N] [--time DUR] [--no-alloc] [--list]
 *
 * One round, in a fresh process: loads every suite in bench/suites, keeps the
 * benchmarks matching --filter (and --variant), runs them once each in an
 * order shuffled by --seed, and prints one line per benchmark:
 *   @bench {"name":..., "iters":..., "meanNs":..., "medianNs":..., "bytesPerOp":...}
 * Launched by bench/cli.ts and bench/ab-cli.ts; run it by hand to debug a suite.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { cli, fail } from "../../src/cli/args.ts";
import type { BenchSpec } from "./spec.ts";
import { measureBench } from "./measure.ts";
import { OWN_SUITES_NAME } from "./worktree.ts";
import { mulberry32, shuffle } from "./rng.ts";

export const RESULT_PREFIX = "@bench ";
const SUITES_DIR = join(import.meta.dir, "..", "suites");

/** In a worktree of another revision (worktree.ts): that revision's own suites, for a copied one it cannot import. */
export const OWN_SUITES_DIR = join(import.meta.dir, "..", OWN_SUITES_NAME);

async function importSuite(path: string): Promise<BenchSpec[]> {
  const mod = (await import(path)) as { benches?: () => BenchSpec[] | Promise<BenchSpec[]> };
  if (typeof mod.benches !== "function") throw new Error("exports no benches()");
  return await mod.benches();
}

/**
 * loadSuites imports every *.bench.ts. In a worktree of another revision, a
 * copied suite whose imports that revision lacks (a module moved since)
 * falls back to the revision's own suite of the same name; a suite neither
 * can load (its code under test is missing) is skipped. Each case says so.
 */
export async function loadSuites(dir = SUITES_DIR, ownDir = OWN_SUITES_DIR): Promise<BenchSpec[]> {
  const files = [...new Bun.Glob("*.bench.ts").scanSync(dir)].sort();
  const specs: BenchSpec[] = [];
  for (const f of files) {
    try {
      specs.push(...(await importSuite(join(dir, f))));
    } catch (e) {
      const why = (e as Error).message.split("\n")[0];
      if (existsSync(join(ownDir, f))) {
        try {
          specs.push(...(await importSuite(join(ownDir, f))));
          process.stderr.write(`bench: suite ${f}: this checkout's copy cannot run at this revision (${why}); ran the revision's own\n`);
          continue;
        } catch {
          // Neither copy runs here: skipped below, with the first reason.
        }
      }
      process.stderr.write(`bench: skipping suite ${f}: ${why}\n`);
    }
  }
  return specs;
}

/** select keeps the specs matching the filter, each function once; with a variant, all of that variant's specs, named without it. */
export function select(specs: readonly BenchSpec[], filter: RegExp | undefined, variant: string | undefined): BenchSpec[] {
  let out = specs.filter((s) => variant !== undefined || s.sameAs === undefined);
  if (variant !== undefined) {
    out = out.filter((s) => s.variant === variant).map((s) => ({ ...s, name: s.name.replace(`/variant=${variant}`, "") }));
  }
  return filter ? out.filter((s) => filter.test(s.name)) : out;
}

if (import.meta.main) {
  const o = cli(process.argv.slice(2), "Usage: bun bench/harness/round.ts [flags]   (one benchmark round; normally run by bench/cli.ts)", {
    filter: { kind: "string", help: "run benchmarks whose name matches this regular expression" },
    variant: { kind: "string", help: "run only this variant's benchmarks, named without /variant=" },
    seed: { kind: "number", default: 1, help: "seed of the shuffled order" },
    time: { kind: "duration", default: "300ms", help: "minimum timed CPU per benchmark" },
    "no-alloc": { kind: "boolean", help: "skip the allocation measurement" },
    list: { kind: "boolean", help: "print the selected names and exit" },
  });
  let filter: RegExp | undefined;
  try {
    filter = o.filter === undefined ? undefined : new RegExp(o.filter);
  } catch (e) {
    fail(`--filter: ${(e as Error).message}`);
  }
  const specs = select(await loadSuites(), filter, o.variant);
  const names = new Set<string>();
  for (const s of specs) {
    if (names.has(s.name)) fail(`two benchmarks are named ${s.name}`);
    names.add(s.name);
  }
  if (o.list) {
    for (const s of specs) process.stdout.write(`${s.name}\n`);
    process.exit(0);
  }
  for (const spec of shuffle(specs, mulberry32(o.seed))) {
    let p: Awaited<ReturnType<BenchSpec["prepare"]>>;
    try {
      p = await spec.prepare();
    } catch (e) {
      fail(`${spec.name}: preparing its inputs: ${(e as Error).message}`, 1);
    }
    try {
      const m = await measureBench(spec, p, { minCpuNs: o.time * 1e6, alloc: !o["no-alloc"] });
      process.stdout.write(`${RESULT_PREFIX}${JSON.stringify({ name: spec.name, ...m })}\n`);
    } catch (e) {
      fail(`${spec.name}: ${(e as Error).message}`, 1);
    } finally {
      p.dispose?.();
    }
  }
  // A suite may hold a connection or a child (audit.bench.ts's redis-server, reaped on exit): the round is over.
  process.exit(0);
}
