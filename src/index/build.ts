/**
 * Builds an index directory for `entries` keys of `seed` (format: ./format.ts).
 *
 * Memory: the sorted keys (8 bytes/entry) and the bucket directory (4 bytes per
 * bucket) are the only per-entry state: 50M entries → ~430 MB. No JS object
 * per entry. Payloads are derived from the sorted keys and streamed to disk in
 * chunks. Each file is written as `<name>.tmp` and renamed when complete, so a
 * killed build never leaves a file that looks finished.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from "node:fs";
import { join } from "node:path";
import { KeySpace, keyHi, keyLo } from "../domain/keys.ts";
import { PAYLOAD_BYTES, writePayload } from "../domain/payload.ts";
import { DIR_FILE, FORMAT_VERSION, FileKind, HEADER_BYTES, MAX_ENTRIES, DEFAULT_SHARD_BITS, dirBitsFor, encodeHeader, shardCount, shardFile } from "./format.ts";

export interface BuildOptions {
  entries: number;
  seed: number;
  out: string;
  /** log2 of entries per shard (default 24); tests use small shards to cover multi-shard lookups. */
  shardBits?: number;
  /** Called with a phase name and a fraction in [0, 1], at most a few times per second. */
  onProgress?: (phase: string, fraction: number) => void;
}

const CHUNK_ENTRIES = 1 << 16;

export function buildIndex({ entries, seed, out, shardBits = DEFAULT_SHARD_BITS, onProgress = () => {} }: BuildOptions): void {
  if (!Number.isInteger(shardBits) || shardBits < 4 || shardBits > DEFAULT_SHARD_BITS) throw new Error(`shardBits must be in 4..${DEFAULT_SHARD_BITS}, got ${shardBits}`);
  if (!Number.isInteger(entries) || entries < 1 || entries > MAX_ENTRIES) throw new Error(`entries must be an integer in 1..${MAX_ENTRIES}, got ${entries}`);
  mkdirSync(out, { recursive: true });
  const ks = new KeySpace(seed);
  const dirBits = dirBitsFor(entries);
  const shift = 32 - dirBits;
  const buckets = 2 ** dirBits;
  const progress = onProgress;

  // Pass 1: bucket sizes. Keys are cheap to derive, so derive them twice rather than hold them unsorted.
  const dir = new Uint32Array(buckets + 1);
  for (let r = 0; r < entries; r++) {
    ks.keyOf(r);
    dir[(keyHi >>> shift) + 1]!++;
    if ((r & 0xfffff) === 0) progress("count keys", r / entries);
  }
  for (let b = 0; b < buckets; b++) dir[b + 1]! += dir[b]!;

  // Pass 2: scatter each key into its bucket, (lo, hi) word pairs.
  const keys = new Uint32Array(entries * 2);
  const cursor = dir.slice(0, buckets);
  for (let r = 0; r < entries; r++) {
    ks.keyOf(r);
    const p = cursor[keyHi >>> shift]!++;
    keys[2 * p] = keyLo;
    keys[2 * p + 1] = keyHi;
    if ((r & 0xfffff) === 0) progress("place keys", r / entries);
  }
  // Buckets hold a handful of keys: insertion sort by (hi, lo).
  for (let b = 0; b < buckets; b++) {
    sortBucket(keys, dir[b]!, dir[b + 1]!);
    if ((b & 0xfffff) === 0) progress("sort buckets", b / buckets);
  }

  const shards = shardCount(entries, shardBits);
  const shardEntries = 2 ** shardBits;
  const common = { version: FORMAT_VERSION, entries, seed, shards };
  const dirBytes = new Uint8Array(dir.buffer);
  writeFile(join(out, DIR_FILE), { ...common, kind: FileKind.Dir, shard: 0, shards, records: buckets + 1, param: dirBits | (shardBits << 8) }, [dirBytes]);

  const chunk = new Uint8Array(CHUNK_ENTRIES * PAYLOAD_BYTES);
  const chunkView = new DataView(chunk.buffer);
  for (let s = 0; s < shards; s++) {
    const first = s * shardEntries;
    const count = Math.min(shardEntries, entries - first);
    const keyBytes = new Uint8Array(keys.buffer, first * 8, count * 8);
    writeFile(join(out, shardFile(FileKind.Keys, s)), { ...common, kind: FileKind.Keys, shard: s, records: count, param: 8 }, [keyBytes]);
    writeFile(join(out, shardFile(FileKind.Payload, s)), { ...common, kind: FileKind.Payload, shard: s, records: count, param: PAYLOAD_BYTES }, payloadChunks(keys, first, count, chunk, chunkView, (done) => progress("write payloads", (first + done) / entries)));
  }
  progress("done", 1);
}

function sortBucket(keys: Uint32Array, start: number, end: number): void {
  for (let i = start + 1; i < end; i++) {
    const lo = keys[2 * i]!, hi = keys[2 * i + 1]!;
    let j = i - 1;
    while (j >= start && (keys[2 * j + 1]! > hi || (keys[2 * j + 1] === hi && keys[2 * j]! > lo))) {
      keys[2 * j + 2] = keys[2 * j]!;
      keys[2 * j + 3] = keys[2 * j + 1]!;
      j--;
    }
    keys[2 * j + 2] = lo;
    keys[2 * j + 3] = hi;
  }
}

function* payloadChunks(keys: Uint32Array, first: number, count: number, chunk: Uint8Array, view: DataView, onChunk: (done: number) => void): Generator<Uint8Array> {
  for (let done = 0; done < count; done += CHUNK_ENTRIES) {
    const n = Math.min(CHUNK_ENTRIES, count - done);
    chunk.fill(0);
    for (let i = 0; i < n; i++) {
      const p = first + done + i;
      writePayload(keys[2 * p + 1]!, keys[2 * p]!, chunk, view, i * PAYLOAD_BYTES);
    }
    onChunk(done);
    yield chunk.subarray(0, n * PAYLOAD_BYTES);
  }
}

type HeaderFields = Omit<Parameters<typeof encodeHeader>[0], "dataBytes" | "dataCrc">;

/** Streams the parts after a placeholder header, then writes the real header (with the data CRC) and renames into place. */
function writeFile(path: string, header: HeaderFields, parts: Iterable<Uint8Array>): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, "w");
  try {
    writeSync(fd, new Uint8Array(HEADER_BYTES), 0, HEADER_BYTES, 0);
    let crc = 0, bytes = 0;
    for (const part of parts) {
      crc = Bun.hash.crc32(part, crc);
      writeAll(fd, part, HEADER_BYTES + bytes);
      bytes += part.byteLength;
    }
    writeSync(fd, encodeHeader({ ...header, dataBytes: bytes, dataCrc: crc }), 0, HEADER_BYTES, 0);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

function writeAll(fd: number, data: Uint8Array, position: number): void {
  // writeSync may write less than asked for large buffers; loop until done.
  for (let off = 0; off < data.byteLength; ) {
    const n = writeSync(fd, data, off, Math.min(data.byteLength - off, 1 << 30), position + off);
    off += n;
  }
}
