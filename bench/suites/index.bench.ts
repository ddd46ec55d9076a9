/**
 * Index lookups (src/index): find() for hits and for guaranteed misses, and
 * payload(), for every Index implementation present (pure TS, and native
 * where the C library builds). Keys are drawn like the corpora (Zipf over
 * 1,000,000 ranks), so the cache behaves as in service. Batched lookups at
 * scale: bench/index-scale.ts.
 */
import { KeySpace, keyHi, keyLo } from "../../src/domain/keys.ts";
import { decodePayload } from "../../src/domain/payload.ts";
import type { Index } from "../../src/index/contract.ts";
import { openTsIndex } from "../../src/index/ts-index.ts";
import { nativeAvailability, openNativeIndex } from "../../src/index/native-index.ts";
import * as ref from "../../oracle/formulas.ts";
import { expectEqual, type BenchSpec } from "../harness/spec.ts";
import { BENCH_ENTRIES, BENCH_SEED, benchIndexDir } from "./fixtures.ts";
import { Rng } from "../../src/workload/rng.ts";
import { ZipfSampler } from "../../src/workload/zipf.ts";
import { ZIPF_EXPONENT } from "../../src/workload/corpus.ts";

const N = 4096;

/** Each Index implementation, by the name used in benchmark names. */
const IMPLEMENTATIONS: { name: string; open(dir: string): Index }[] = [
  { name: "ts", open: (dir) => openTsIndex(dir) },
  ...(nativeAvailability().ok ? [{ name: "native", open: (dir: string) => openNativeIndex(dir) }] : []),
];

// N keys as (hi, lo) with their ranks: Zipf-drawn hits, or ranks past the end (misses).
function keys(miss: boolean) {
  const rng = new Rng(miss ? 2 : 1), zipf = new ZipfSampler(BENCH_ENTRIES, ZIPF_EXPONENT), ks = new KeySpace(BENCH_SEED);
  const his = new Uint32Array(N), los = new Uint32Array(N), ranks = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    ranks[i] = miss ? BENCH_ENTRIES + rng.int(2 ** 30) : zipf.sample(rng) - 1;
    ks.keyOf(ranks[i]!);
    his[i] = keyHi;
    los[i] = keyLo;
  }
  return { his, los, ranks };
}

export function benches(): BenchSpec[] {
  return IMPLEMENTATIONS.flatMap((impl): BenchSpec[] => [
    {
      name: `Index/find/impl=${impl.name}/hit`,
      batch: 256,
      prepare() {
        const index = impl.open(benchIndexDir());
        const { his, los, ranks } = keys(false);
        let i = 0;
        return {
          run() {
            i = (i + 1) & (N - 1);
            return index.find(his[i]!, los[i]!);
          },
          check() {
            for (let j = 0; j < N; j += 61) {
              const pos = index.find(his[j]!, los[j]!);
              if (pos < 0) throw new Error(`key of rank ${ranks[j]} not found`);
              const d = decodePayload(index.payload(pos), 0);
              expectEqual(`payload of rank ${ranks[j]}`, d, ref.fields(ref.key(BigInt(BENCH_SEED), BigInt(ranks[j]!))));
            }
          },
          dispose: () => index.close(),
        };
      },
    },
    {
      name: `Index/find/impl=${impl.name}/miss`,
      batch: 256,
      prepare() {
        const index = impl.open(benchIndexDir());
        const { his, los } = keys(true);
        let i = 0;
        return {
          run() {
            i = (i + 1) & (N - 1);
            return index.find(his[i]!, los[i]!);
          },
          check() {
            for (let j = 0; j < N; j++) expectEqual(`find of miss ${j}`, index.find(his[j]!, los[j]!), -1);
          },
          dispose: () => index.close(),
        };
      },
    },
    {
      name: `Index/payload/impl=${impl.name}`,
      batch: 256,
      prepare() {
        const index = impl.open(benchIndexDir());
        const { his, los } = keys(false);
        const pos = Array.from(his, (hi, j) => index.find(hi, los[j]!));
        let i = 0;
        return {
          run() {
            i = (i + 1) & (N - 1);
            return index.payload(pos[i]!);
          },
          check(result) {
            if (!(result instanceof Uint8Array) || result.length !== 48) throw new Error("payload() must return 48 bytes");
          },
          dispose: () => index.close(),
        };
      },
    },
  ]);
}
