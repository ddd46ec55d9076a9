/**
 * Inputs shared by the suites, built outside any timed code: the bench index
 * (1,000,000 entries, seed 1, like the service's default; built once into
 * data/ and reused by every round) and deterministic request batches drawn
 * like the corpora (Zipf s = 1.1 over ranks, about 1% misses, attrs from the
 * corpora's own draw, non-Latin-1 values included: they change what
 * JSON.stringify costs, FINDINGS.md §16).
 */
import { existsSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT as ROOT } from "../../src/root.ts";
import { Rng } from "../../src/workload/rng.ts";
import { ZipfSampler } from "../../src/workload/zipf.ts";
import { MISS_RATE, ZIPF_EXPONENT, drawAttrs } from "../../src/workload/corpus.ts";
import { KeySpace } from "../../src/domain/keys.ts";
import { buildIndex } from "../../src/index/build.ts";
import { openTsIndex } from "../../src/index/ts-index.ts";
import type { Index } from "../../src/index/contract.ts";
import type { EnrichRequest } from "../../src/enrich/variant.ts";

export const BENCH_ENTRIES = 1_000_000;
export const BENCH_SEED = 1;
/** The batch sizes of the thin, default and fat mixes. */
export const SIZES = Object.freeze([1, 100, 1000]);

/** benchIndexDir returns the bench index directory ($BENCH_INDEX, or data/bench-<entries>-<seed>), building it on first use. */
export function benchIndexDir(): string {
  const dir = process.env.BENCH_INDEX ?? join(ROOT, "data", `bench-${BENCH_ENTRIES}-${BENCH_SEED}`);
  if (!existsSync(join(dir, "dir.bin"))) {
    const tmp = `${dir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    process.stderr.write(`bench: building the bench index (${BENCH_ENTRIES} entries) in ${dir}\n`);
    buildIndex({ entries: BENCH_ENTRIES, seed: BENCH_SEED, out: tmp });
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  }
  return dir;
}

let index: Index | undefined;

/** benchIndex opens the bench index once per process (pure-TS implementation). */
export function benchIndex(): Index {
  return (index ??= openTsIndex(benchIndexDir()));
}

export interface Batch {
  /** The request body as it arrives on the wire. */
  text: string;
  req: EnrichRequest;
  /** Which events are guaranteed misses (rank ≥ entries). */
  miss: boolean[];
}

/** requestBatch returns the deterministic batch of `size` events for `seed`. */
export function requestBatch(size: number, seed = 42): Batch {
  const rng = new Rng(seed * 1009 + size);
  const zipf = new ZipfSampler(BENCH_ENTRIES, ZIPF_EXPONENT);
  const ks = new KeySpace(BENCH_SEED);
  const events: EnrichRequest["events"] = [];
  const miss: boolean[] = [];
  for (let i = 0; i < size; i++) {
    const isMiss = rng.next() < MISS_RATE;
    const rank = isMiss ? BENCH_ENTRIES + rng.int(2 ** 30) : zipf.sample(rng) - 1;
    events.push({ key: ks.keyString(rank), attrs: drawAttrs(rng) });
    miss.push(isMiss);
  }
  const req = { events };
  return { text: JSON.stringify(req), req, miss };
}

/** keyHalves splits a decimal u64 key into (hi, lo) through BigInt: the reference for checks. */
export function keyHalves(key: string): { hi: number; lo: number } {
  const v = BigInt(key);
  return { hi: Number(v >> 32n), lo: Number(v & 0xffffffffn) };
}
