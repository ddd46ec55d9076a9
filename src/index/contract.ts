/**
 * The one Index contract: a 64-bit key → its 48-byte payload, or a miss.
 * Every implementation (pure TS now, native later) passes the shared suite in
 * test/index/index-contract.ts.
 *
 * Keys cross the boundary as (hi, lo) u32 pairs so the hot path never needs BigInt.
 */
export interface Index {
  /** Number of entries. */
  readonly entries: number;
  /** Seed the index was generated with (recorded in every file header). */
  readonly seed: number;
  /** Directory the files were opened from. */
  readonly dir: string;
  /** find returns the position of key hi:lo (0 ≤ pos < entries), or -1 for a miss. */
  find(hi: number, lo: number): number;
  /** payload returns the 48 payload bytes at a position found by find (a view into the mapping, no copy). */
  payload(pos: number): Uint8Array;
  /** close drops the implementation's references to the mappings. */
  close(): void;
}
