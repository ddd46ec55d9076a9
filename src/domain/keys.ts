/**
 * Key derivation, fixed by docs/contract.md ("Data formulas"): every key is a seeded
 * bijective mix of its rank, so keys are distinct and ranks ≥ N are misses.
 *
 *   GOLDEN  = 0x9E3779B97F4A7C15
 *   seedMix = fmix64(seed ^ GOLDEN)
 *   key(r)  = fmix64(r ^ seedMix)
 */
import { H, L, mul64, xorShiftRight33 } from "./u64.ts";

export const GOLDEN_HI = 0x9e3779b9, GOLDEN_LO = 0x7f4a7c15;
const C1_HI = 0xff51afd7, C1_LO = 0xed558ccd;
const C2_HI = 0xc4ceb9fe, C2_LO = 0x1a85ec53;

/** Result registers of the functions below (read right after the call). */
export let keyHi = 0, keyLo = 0;

/** MurmurHash3's 64-bit finalizer on hi:lo. Result in keyHi:keyLo. */
export function fmix64(hi: number, lo: number): void {
  xorShiftRight33(hi, lo);
  mul64(H, L, C1_HI, C1_LO);
  xorShiftRight33(H, L);
  mul64(H, L, C2_HI, C2_LO);
  xorShiftRight33(H, L);
  keyHi = H;
  keyLo = L;
}

/** The per-index constant mixed into every rank. */
export class KeySpace {
  readonly mixHi: number;
  readonly mixLo: number;

  constructor(readonly seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`seed must be a non-negative safe integer, got ${seed}`);
    const seedHi = Math.floor(seed / 0x1_0000_0000), seedLo = seed >>> 0;
    fmix64((seedHi ^ GOLDEN_HI) >>> 0, (seedLo ^ GOLDEN_LO) >>> 0);
    this.mixHi = keyHi;
    this.mixLo = keyLo;
  }

  /** key(rank) for 0 ≤ rank < 2^53. Result in keyHi:keyLo. */
  keyOf(rank: number): void {
    const rHi = Math.floor(rank / 0x1_0000_0000), rLo = rank >>> 0;
    fmix64((rHi ^ this.mixHi) >>> 0, (rLo ^ this.mixLo) >>> 0);
  }

  /** key(rank) as a decimal string (corpora, tests). */
  keyString(rank: number): string {
    this.keyOf(rank);
    return ((BigInt(keyHi) << 32n) | BigInt(keyLo)).toString();
  }
}
