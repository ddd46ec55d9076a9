/**
 * Wrapping unsigned 64-bit arithmetic on (hi, lo) pairs of u32 numbers.
 *
 * Why not BigInt: the generator evaluates these formulas ~10 times per entry for
 * 50M entries, and BigInt arithmetic allocates on every operation. These helpers
 * allocate nothing: results land in the module-level registers `H` and `L`
 * (read them immediately after the call).
 */

/** High word of the last result. */
export let H = 0;
/** Low word of the last result. */
export let L = 0;

/** 32×32 → 64-bit unsigned product, exact, via 16-bit limbs. Result in H:L. */
function mul32(a: number, b: number): void {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  L = (((mid & 0xffff) << 16) | (p00 & 0xffff)) >>> 0;
  H = (p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) >>> 0;
}

/** (aHi:aLo × bHi:bLo) mod 2^64. Result in H:L. */
export function mul64(aHi: number, aLo: number, bHi: number, bLo: number): void {
  mul32(aLo, bLo);
  H = (H + Math.imul(aHi, bLo) + Math.imul(aLo, bHi)) >>> 0;
}

/** (aHi:aLo + bHi:bLo) mod 2^64. Result in H:L. */
export function add64(aHi: number, aLo: number, bHi: number, bLo: number): void {
  const lo = aLo + bLo;
  L = lo >>> 0;
  H = (aHi + bHi + (lo > 0xffffffff ? 1 : 0)) >>> 0;
}

/** x ^ (x >> s) for 0 < s < 32. Result in H:L. */
export function xorShiftRight(hi: number, lo: number, s: number): void {
  L = (lo ^ ((lo >>> s) | (hi << (32 - s)))) >>> 0;
  H = (hi ^ (hi >>> s)) >>> 0;
}

/** x ^ (x >> 33). Result in H:L. */
export function xorShiftRight33(hi: number, lo: number): void {
  L = (lo ^ (hi >>> 1)) >>> 0;
  H = hi;
}

/** (hi:lo) mod m for 0 < m < 2^31, exact without BigInt (every intermediate stays below 2^53). */
export function mod64(hi: number, lo: number, m: number): number {
  let r = hi % m;
  r = (r * 0x10000) % m;
  r = (r * 0x10000) % m;
  return (r + (lo % m)) % m;
}

/** Decimal string of hi:lo (cold paths: file headers, error messages, tests). */
export function u64ToString(hi: number, lo: number): string {
  return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}
