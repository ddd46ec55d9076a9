/**
 * The pure-TypeScript Index: a directory read, then a scan of the bucket's few
 * sorted keys, straight from the mapped files.
 */
import type { Index } from "./contract.ts";
import { mapIndex, type MappedIndex, type OpenOptions } from "./open.ts";
import { PAYLOAD_BYTES } from "../domain/payload.ts";

export class TsIndex implements Index {
  readonly entries: number;
  readonly seed: number;
  readonly dir: string;
  private readonly shift: number;
  private readonly shardBits: number;
  private readonly shardMask: number;
  private buckets: Uint32Array;
  private keys: Uint32Array[];
  private payloads: Uint8Array[];

  constructor(readonly mapped: MappedIndex) {
    this.entries = mapped.entries;
    this.seed = mapped.seed;
    this.dir = mapped.dir;
    this.shift = 32 - mapped.dirBits;
    this.shardBits = mapped.shardBits;
    this.shardMask = 2 ** mapped.shardBits - 1;
    this.buckets = mapped.buckets;
    this.keys = mapped.keys;
    this.payloads = mapped.payloads;
  }

  find(hi: number, lo: number): number {
    const b = hi >>> this.shift;
    const end = this.buckets[b + 1]!;
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

  payload(pos: number): Uint8Array {
    const off = (pos & this.shardMask) * PAYLOAD_BYTES;
    return this.payloads[pos >>> this.shardBits]!.subarray(off, off + PAYLOAD_BYTES);
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
