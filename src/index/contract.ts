/**
 * The one Index contract: a 64-bit key → its 48-byte payload, or a miss.
 * Every implementation (pure TS in ts-index.ts, C behind bun:ffi in
 * native-index.ts) passes the shared suite in test/index/index-contract.ts;
 * open-index.ts is the one place that picks one.
 *
 * Keys cross the boundary as (hi, lo) u32 pairs so the hot path never needs BigInt.
 */

/** The implementations `--index-impl` chooses between. */
export const INDEX_IMPLS = ["ts", "native"] as const;
export type IndexImpl = (typeof INDEX_IMPLS)[number];

export interface Index {
  /** Which implementation answers (recorded in /healthz and meta.json). */
  readonly impl: IndexImpl;
  /** Number of entries. */
  readonly entries: number;
  /** Seed the index was generated with (recorded in every file header). */
  readonly seed: number;
  /** Directory the files were opened from. */
  readonly dir: string;
  /** Bytes of index files mapped: what one copy in the page cache costs. */
  readonly mappedBytes: number;
  /** find returns the position of key hi:lo (0 ≤ pos < entries), or -1 for a miss. */
  find(hi: number, lo: number): number;
  /**
   * findBatch writes find(his[i], los[i]) to out[i] for every i < n and returns
   * the number of hits: one call per batch, so an implementation can overlap the
   * cache misses of many keys. Throws a RangeError when n is not an integer in
   * 0..min(his.length, los.length, out.length).
   */
  findBatch(his: Uint32Array, los: Uint32Array, n: number, out: Int32Array): number;
  /** payload returns the 48 payload bytes at a position found by find (a view into the mapping, no copy). */
  payload(pos: number): Uint8Array;
  /**
   * payloadShards: every shard's payload bytes (48 per entry in position order,
   * 2^shardBits entries per shard, so a position's are at shard pos >>> shardBits),
   * for a writer that reads many hits' payloads at once; null while payload()
   * still has a check to make first (a shard whose checksum is not verified yet).
   * The arrays are the mappings: valid until close().
   */
  payloadShards(): PayloadShards | null;
  /** close drops the implementation's references to the mappings; lookups after it miss. */
  close(): void;
}

/** The payload bytes of an index, shard by shard (Index.payloadShards). */
export interface PayloadShards {
  readonly shards: readonly Uint8Array[];
  readonly shardBits: number;
}

/** The RangeError findBatch throws for an n its arrays cannot hold (shared so both implementations say the same). */
export function checkBatch(his: Uint32Array, los: Uint32Array, n: number, out: Int32Array): void {
  if (!Number.isInteger(n) || n < 0 || n > his.length || n > los.length || n > out.length) {
    throw new RangeError(`findBatch: n must be an integer in 0..${Math.min(his.length, los.length, out.length)} (the arrays' length), got ${n}`);
  }
}
