/**
 * The default index (docs/contract.md: data/default, 1,000,000 entries, seed 1), built
 * on the first `bun run serve` with progress on stderr. It is built into a
 * temporary sibling directory and renamed into place, so an interrupted build
 * is never mistaken for a finished one.
 */
import { existsSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { progressReporter } from "../cli/progress.ts";
import { SERVICE_DEFAULTS } from "../config.ts";
import { buildIndex } from "../index/build.ts";
import { DIR_FILE } from "../index/format.ts";
import { PROJECT_ROOT } from "../root.ts";
import { writeCorpora } from "../workload/corpus.ts";

export function defaultIndexDir(): string {
  return join(PROJECT_ROOT, SERVICE_DEFAULTS.indexDir);
}

/** Builds the default index and its corpora unless they exist; returns the directory. */
export function ensureDefaultIndex(): string {
  const dir = defaultIndexDir();
  if (existsSync(join(dir, DIR_FILE))) return dir;
  const tmp = `${dir}.building-${process.pid}`;
  const say = progressReporter();
  const started = performance.now();
  const { indexEntries: entries, indexSeed: seed } = SERVICE_DEFAULTS;
  process.stderr.write(`enrich: no index at ${dir}; building the default (${entries} entries, seed ${seed}) once\n`);
  try {
    buildIndex({ entries, seed, out: tmp, onProgress: (phase, f) => say(`enrich: index ${phase} ${(f * 100).toFixed(0)}%`) });
    writeCorpora(tmp, entries, seed, undefined, (mix, f) => say(`enrich: corpus ${mix} ${(f * 100).toFixed(0)}%`));
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  say(`enrich: built ${dir} in ${((performance.now() - started) / 1000).toFixed(1)}s`, true);
  return dir;
}
