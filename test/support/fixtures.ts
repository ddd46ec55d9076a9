/**
 * Small indexes built once per test process into a temp dir (10k–100k
 * entries: tests stay fast; the 50M runs are benchmarks).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildIndex } from "../../src/index/build.ts";

const cache = new Map<string, string>();
const root = mkdtempSync(join(tmpdir(), "enrich-test-"));

/** The temp root of this test run (test/support/setup.ts removes it after the run). */
export function scratchRoot(): string {
  return root;
}

/** Builds (once per process) an index of `entries` keys for `seed`; returns its directory. */
export function builtIndex(entries: number, seed: number, shardBits?: number): string {
  const id = `${entries}-${seed}-${shardBits ?? "default"}`;
  let dir = cache.get(id);
  if (!dir) {
    dir = join(root, `idx-${id}`);
    buildIndex({ entries, seed, out: dir, shardBits });
    cache.set(id, dir);
  }
  return dir;
}

/** The contract suite's index: 20,000 entries, seed 7, in shards of 4,096 so lookups cross shard boundaries. */
export function smallIndex() {
  const entries = 20_000, seed = 7;
  return { dir: builtIndex(entries, seed, 12), entries, seed };
}

/** A fresh directory under this process's temp root (removed at exit). */
export function scratch(): string {
  return mkdtempSync(join(root, "scratch-"));
}
