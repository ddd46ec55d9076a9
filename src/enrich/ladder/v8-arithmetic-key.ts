/**
 * v8-arithmetic-key: v6-no-audit-copy plus one change — `parseKey` splits
 * the decimal key into its u32 halves with double arithmetic, digit by digit,
 * instead of parseKeyWithBigInt's RegExp compiled per call and a BigInt with
 * two shifts and masks. The schema has already checked the key (canonical
 * decimal, ≤ 2^64−1: KEY_PATTERN and checkBeyondSchema), so no check is
 * repeated here; every intermediate stays below 2^53, so it is exact.
 * (v7-literal-results, one object literal per result instead of spreads,
 * was reverted: its frame did not shrink in the service; FINDINGS.md §8.)
 * Evidence: FINDINGS.md §9.
 */
import { derive } from "../variant.ts";
import { v6NoAuditCopy } from "./v6-no-audit-copy.ts";

const TWO_32 = 4294967296;

/** parseKeyByDigits: key text → (hi, lo), for a validated canonical u64 decimal. */
export function parseKeyByDigits(key: string): { hi: number; lo: number } {
  let hi = 0, lo = 0;
  for (let i = 0; i < key.length; i++) {
    lo = lo * 10 + (key.charCodeAt(i) - 48); // < 2^32·10 + 9
    const carry = Math.floor(lo / TWO_32);
    lo -= carry * TWO_32;
    hi = hi * 10 + carry; // < 2^32 for any key ≤ 2^64−1
  }
  return { hi, lo };
}

export const v8ArithmeticKey = derive(v6NoAuditCopy, "v8-arithmetic-key", "keys are split into u32 halves by digit arithmetic, not a per-call RegExp and BigInt", {
  parseKey: parseKeyByDigits,
});
