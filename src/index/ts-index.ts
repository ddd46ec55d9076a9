/**
 * The pure-TypeScript Index: a directory read, then a scan of the bucket's few
 * sorted keys, straight from the mapped files.
 */
import { checkBatch, type Index, type PayloadShards } from "./contract.ts";
import { mapIndex, type MappedIndex, type OpenOptions } from "./open.ts";
import { PAYLOAD_BYTES } from "../domain/payload.ts";
import { IndexCorruptError } from "./format.ts";
import { payloadLooksValid } from "./payload-check.ts";

/** Per-shard trust: CRC verified (served as is), not yet verified (each entry checked), or failed its CRC (refused). */
export const enum ShardState {
  Verified = 0,
  Unverified = 1,
  Corrupt = 2,
}

export class TsIndex implements Index {
  readonly impl = "ts";
  readonly entries: number;
  readonly seed: number;
  readonly dir: string;
  readonly mappedBytes: number;
  private readonly shift: number;
  private readonly shardBits: number;
  private readonly shardMask: number;
  private buckets: Uint32Array;
  private keys: Uint32Array[];
  private payloads: Uint8Array[];
  /** ShardState per shard; `trusted` is the fast path: every shard verified. */
  private readonly shardState: Uint8Array;
  private trusted: boolean;
  private anyCorrupt = false;

  constructor(readonly mapped: MappedIndex) {
    this.entries = mapped.entries;
    this.seed = mapped.seed;
    this.dir = mapped.dir;
    this.mappedBytes = mapped.mappedBytes;
    this.shift = 32 - mapped.dirBits;
    this.shardBits = mapped.shardBits;
    this.shardMask = 2 ** mapped.shardBits - 1;
    this.buckets = mapped.buckets;
    this.keys = mapped.keys;
    this.payloads = mapped.payloads;
    this.shardState = new Uint8Array(mapped.payloads.length);
    for (const f of mapped.files) if (f.shard >= 0 && !f.verified) this.shardState[f.shard] = ShardState.Unverified;
    this.trusted = this.shardState.every((x) => x === ShardState.Verified);
  }

  /** markShard records a background CRC verdict for a shard's files (src/index/verify.ts). */
  markShard(shard: number, state: ShardState.Verified | ShardState.Corrupt): void {
    if (this.shardState[shard] === ShardState.Corrupt) return;
    this.shardState[shard] = state;
    if (state === ShardState.Corrupt) this.anyCorrupt = true;
    this.trusted = this.shardState.every((x) => x === ShardState.Verified);
  }

  /** The slow path of find/payload, only while some shard is not verified. */
  private guard(pos: number, bytes?: Uint8Array): void {
    const shard = pos >>> this.shardBits;
    const state = this.shardState[shard];
    // A position past the last shard can only come from a directory changed under us.
    if (state === undefined) throw new IndexCorruptError(`${this.dir}/dir.bin`, "points past the index; the directory changed under the running process");
    if (state === ShardState.Corrupt) throw new IndexCorruptError(this.fileOf(shard), "failed its data checksum; keys in this shard are not served");
    if (state === ShardState.Unverified && bytes && !payloadLooksValid(bytes)) throw new IndexCorruptError(this.fileOf(shard), `the entry at position ${pos} breaks the payload format (corrupt; its checksum is not verified yet)`);
  }

  private fileOf(shard: number): string {
    return this.mapped.files.find((f) => f.shard === shard && f.path.includes("payload"))?.path ?? `${this.dir} shard ${shard}`;
  }

  find(hi: number, lo: number): number {
    const b = hi >>> this.shift;
    const end = this.buckets[b + 1]!;
    // A corrupt keys file could turn a hit into a miss: a bucket in a corrupt shard is refused, not answered.
    if (this.anyCorrupt && end > this.buckets[b]!) (this.guard(this.buckets[b]!), this.guard(end - 1));
    for (let p = this.buckets[b]!; p < end; p++) {
      const words = this.keys[p >>> this.shardBits]!;
      const i = (p & this.shardMask) << 1;
      const khi = words[i + 1]!;
      if (khi === hi) {
        const klo = words[i]!;
        if (klo === lo) return p;
        if (klo > lo) return -1;
      } else if (khi > hi) return -1;
    }
    return -1;
  }

  /** One find per key: a JS loop cannot overlap the misses, it only saves the caller's loop. */
  findBatch(his: Uint32Array, los: Uint32Array, n: number, out: Int32Array): number {
    checkBatch(his, los, n, out);
    let hits = 0;
    for (let i = 0; i < n; i++) {
      const p = this.find(his[i]!, los[i]!);
      out[i] = p;
      if (p >= 0) hits++;
    }
    return hits;
  }

  payload(pos: number): Uint8Array {
    const off = (pos & this.shardMask) * PAYLOAD_BYTES;
    const bytes = this.payloads[pos >>> this.shardBits]!.subarray(off, off + PAYLOAD_BYTES);
    if (!this.trusted) this.guard(pos, bytes);
    return bytes;
  }

  payloadShards(): PayloadShards | null {
    return this.trusted ? { shards: this.payloads, shardBits: this.shardBits } : null;
  }

  close(): void {
    this.buckets = new Uint32Array(1);
    this.keys = [];
    this.payloads = [];
  }
}

/** Opens the index in `dir` with the pure-TS implementation. */
export function openTsIndex(dir: string, options?: OpenOptions): TsIndex {
  return new TsIndex(mapIndex(dir, options));
}
