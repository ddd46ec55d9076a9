/**
 * Lookup throughput of the Index implementations on one index, for
 * bench/index-scale.ts: each implementation × key distribution × call shape
 * (`find` per key, `findBatch` at each batch size), interleaved round by round
 * so drift on a shared machine spreads over all of them alike, round 0 a
 * discarded warm-up. Every measured run's positions are checked against the
 * pure-TS `find` of the same keys, and its hit count against the number of
 * keys drawn as hits: a fast wrong answer is an error, not a result.
 */
import { KeySpace, keyHi, keyLo } from "../../src/domain/keys.ts";
import type { Index, IndexImpl } from "../../src/index/contract.ts";
import { Rng } from "../../src/workload/rng.ts";
import { ZipfSampler } from "../../src/workload/zipf.ts";
import { MISS_RATE, ZIPF_EXPONENT } from "../../src/workload/corpus.ts";
import { summarize } from "../../scripts/lib/meta.ts";
import { schedstatNs } from "../../scripts/profile/proc-stat.ts";

export type KeyDistribution = "zipf" | "uniform";

export interface KeySet {
  distribution: KeyDistribution;
  his: Uint32Array;
  los: Uint32Array;
  /** Keys drawn from ranks < N (the rest are ranks ≥ N: certain misses). */
  hits: number;
}

/** `n` keys over an index of `entries` (seed `seed`): Zipf s=1.1 or uniform ranks, with ~1% misses (ranks ≥ N) as in the corpora. */
export function drawKeys(distribution: KeyDistribution, n: number, entries: number, seed: number, rngSeed = 99): KeySet {
  const ks = new KeySpace(seed);
  const zipf = distribution === "zipf" ? new ZipfSampler(entries, ZIPF_EXPONENT) : null;
  const rng = new Rng(rngSeed);
  const his = new Uint32Array(n), los = new Uint32Array(n);
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const miss = rng.next() < MISS_RATE;
    ks.keyOf(miss ? entries + rng.int(2 ** 40) : zipf ? zipf.sample(rng) - 1 : rng.int(entries));
    if (!miss) hits++;
    his[i] = keyHi;
    los[i] = keyLo;
  }
  return { distribution, his, los, hits };
}

/** How a run calls the index: `find` once per key, or `findBatch` on consecutive slices of `batch` keys. */
export type Shape = { kind: "find" } | { kind: "batch"; batch: number };
export const shapeName = (s: Shape) => (s.kind === "find" ? "find" : `batch-${s.batch}`);

/**
 * One timed pass over every key; positions land in `pos`. Slices are views
 * made before the clock starts (a caller has its batch in arrays already);
 * batch 1 copies the key into a one-slot buffer, as a thin request does.
 *
 * Each combination gets its own compiled copy of its loop (new Function): the
 * JIT keeps inline caches per function, so a loop shared by both
 * implementations would see two receiver classes at `index.find` and run
 * slower than either does in a service, where only one exists.
 */
const LOOPS = {
  find: `let hits = 0;
    for (let i = 0; i < n; i++) { const p = index.find(his[i], los[i]); pos[i] = p; if (p >= 0) hits++; }
    return hits;`,
  one: `let hits = 0;
    for (let i = 0; i < n; i++) { h[0] = his[i]; l[0] = los[i]; hits += index.findBatch(h, l, 1, o); pos[i] = o[0]; }
    return hits;`,
  slices: `let hits = 0;
    for (let s = 0; s < slices.length; s++) { const x = slices[s]; hits += index.findBatch(x[0], x[1], x[3], x[2]); }
    return hits;`,
};

function runner(index: Index, keys: KeySet, shape: Shape, pos: Int32Array): () => number {
  const { his, los } = keys;
  const n = his.length;
  const compile = (body: string) => new Function("index", "his", "los", "pos", "n", "h", "l", "o", "slices", `return () => { ${body} };`);
  if (shape.kind === "find") return compile(LOOPS.find)(index, his, los, pos, n);
  const B = shape.batch;
  if (B === 1) return compile(LOOPS.one)(index, his, los, pos, n, new Uint32Array(1), new Uint32Array(1), new Int32Array(1));
  const slices: [Uint32Array, Uint32Array, Int32Array, number][] = [];
  for (let i = 0; i < n; i += B) {
    const m = Math.min(B, n - i);
    slices.push([his.subarray(i, i + m), los.subarray(i, i + m), pos.subarray(i, i + m), m]);
  }
  return compile(LOOPS.slices)(index, his, los, pos, n, null, null, null, slices);
}

export interface LookupRow {
  impl: IndexImpl;
  keys: KeyDistribution;
  shape: string;
  /** Lookups per wall-clock second over the measured rounds: what a caller sees, descheduling included. */
  lookupsPerSecond: { median: number; min: number; max: number; n: number };
  /** Lookups per second of this thread's time on a CPU (schedstat): the lookup's own cost, on a shared core too. */
  lookupsPerCpuSecond: { median: number; min: number; max: number; n: number } | null;
  /** Nanoseconds of CPU per lookup at the median on-CPU rate (wall-clock where schedstat is missing). */
  nsPerLookup: number;
  /** Median share of the wall time this thread was not on a CPU (another process had its core). */
  offCpuShare: number | null;
}

export interface LookupResult {
  rows: LookupRow[];
  checks: { ok: boolean; runs: number; failures: string[]; note: string };
}

/** Runs every combination for `rounds` measured rounds (after one warm-up round) and checks every run's answers. */
export function measureLookups(indexes: Map<IndexImpl, Index>, keySets: KeySet[], shapes: Shape[], rounds: number, say: (s: string) => void = () => {}): LookupResult {
  const reference = indexes.get("ts") ?? [...indexes.values()][0]!;
  const expected = new Map(keySets.map((k) => {
    const p = new Int32Array(k.his.length);
    for (let i = 0; i < p.length; i++) p[i] = reference.find(k.his[i]!, k.los[i]!);
    return [k.distribution, p] as const;
  }));
  const failures: string[] = [];
  for (const k of keySets) {
    const found = expected.get(k.distribution)!.reduce((s, p) => s + (p >= 0 ? 1 : 0), 0);
    if (found !== k.hits) failures.push(`${reference.impl} find on ${k.distribution} keys: ${found} hits, but ${k.hits} keys were drawn from the index`);
  }
  type Combo = { impl: IndexImpl; keys: KeySet; shape: Shape; run: () => number; pos: Int32Array; rates: number[]; cpuRates: number[]; offCpu: number[] };
  const combos: Combo[] = [];
  for (const keys of keySets)
    for (const [impl, index] of indexes)
      for (const shape of shapes) {
        const pos = new Int32Array(keys.his.length);
        combos.push({ impl, keys, shape, run: runner(index, keys, shape, pos), pos, rates: [], cpuRates: [], offCpu: [] });
      }
  let runs = 0;
  for (let r = 0; r <= rounds; r++) {
    // Rotate the order each round: no combination always runs first (cold) or last (after the same neighbour).
    for (let j = 0; j < combos.length; j++) {
      const c = combos[(j + r) % combos.length]!;
      c.pos.fill(-2);
      const cpu0 = schedstatNs(process.pid, process.pid);
      const t0 = Bun.nanoseconds();
      const hits = c.run();
      const dt = Bun.nanoseconds() - t0;
      const cpu1 = schedstatNs(process.pid, process.pid);
      if (r > 0) {
        c.rates.push(c.keys.his.length / (dt / 1e9));
        if (cpu0 !== null && cpu1 !== null && cpu1 > cpu0) {
          c.cpuRates.push(c.keys.his.length / ((cpu1 - cpu0) / 1e9));
          c.offCpu.push(Math.max(0, 1 - (cpu1 - cpu0) / dt));
        }
      }
      runs++;
      const want = expected.get(c.keys.distribution)!;
      const name = `${c.impl} ${shapeName(c.shape)} on ${c.keys.distribution} keys (round ${r})`;
      if (hits !== c.keys.hits) failures.push(`${name}: ${hits} hits, expected ${c.keys.hits}`);
      for (let i = 0; i < want.length; i++) {
        if (c.pos[i] !== want[i]) {
          failures.push(`${name}: key ${i} at position ${c.pos[i]}, ${reference.impl} find says ${want[i]}`);
          break;
        }
      }
    }
    say(r === 0 ? "lookups: warm-up round done" : `lookups: round ${r}/${rounds} done`);
  }
  const rows = combos.map((c): LookupRow => {
    const s = summarize(c.rates);
    const cpu = c.cpuRates.length === c.rates.length ? summarize(c.cpuRates) : null;
    return { impl: c.impl, keys: c.keys.distribution, shape: shapeName(c.shape), lookupsPerSecond: s, lookupsPerCpuSecond: cpu, nsPerLookup: 1e9 / (cpu ?? s).median, offCpuShare: cpu ? summarize(c.offCpu).median : null };
  });
  return { rows, checks: { ok: failures.length === 0, runs, failures: failures.slice(0, 20), note: `every run (warm-up included): hit count = keys drawn from the index, every position = ${reference.impl} find's` } };
}
