/** Key derivation (src/domain/keys.ts): the mix behind every key of the generator and the tests. */
import { KeySpace, fmix64, keyHi, keyLo } from "../../src/domain/keys.ts";
import * as ref from "../../oracle/formulas.ts";
import { expectEqual, type BenchSpec } from "../harness/spec.ts";

const N = 1024; // inputs cycled through; a power of two so the index wraps with a mask

export function benches(): BenchSpec[] {
  return [
    {
      name: "Keys/fmix64",
      batch: 4096,
      prepare() {
        const his = new Uint32Array(N), los = new Uint32Array(N);
        for (let i = 0; i < N; i++) [his[i], los[i]] = [(i * 0x9e3779b9) >>> 0, (i * 0x85ebca6b + 7) >>> 0];
        let i = 0;
        return {
          run() {
            i = (i + 1) & (N - 1);
            fmix64(his[i]!, los[i]!);
            return keyLo;
          },
          check() {
            for (let j = 0; j < N; j++) {
              fmix64(his[j]!, los[j]!);
              const got = (BigInt(keyHi) << 32n) | BigInt(keyLo);
              expectEqual(`fmix64 of input ${j}`, got.toString(), ref.fmix64((BigInt(his[j]!) << 32n) | BigInt(los[j]!)).toString());
            }
          },
        };
      },
    },
    {
      name: "Keys/keyOf",
      batch: 4096,
      prepare() {
        const ks = new KeySpace(1);
        let rank = 0;
        return {
          run() {
            rank = (rank + 1) & (N - 1);
            ks.keyOf(rank);
            return keyLo;
          },
          check() {
            for (let r = 0; r < N; r += 97) {
              ks.keyOf(r);
              expectEqual(`key(${r})`, ((BigInt(keyHi) << 32n) | BigInt(keyLo)).toString(), ref.key(1n, BigInt(r)).toString());
            }
          },
        };
      },
    },
  ];
}
