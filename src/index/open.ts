/**
 * Opens an index directory: maps every file with Bun.mmap (nothing is parsed
 * into JS objects) and checks each header before anything is served.
 *
 * Checks at open: magic, version, header CRC, file length against the header,
 * kind/shard/entry-count/seed agreement across files, and data CRCs as `verify`
 * says. A full data CRC reads every page (~0.6 s per GB when cached, far more
 * from a cold disk), so by default it runs only for indexes up to 256 MiB;
 * `verify: "full"` forces it for any size.
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { DIR_FILE, FileKind, HEADER_BYTES, IndexFormatError, KIND_NAMES, DEFAULT_SHARD_BITS, decodeHeader, dirBitsFor, shardCount, shardFile, type Header } from "./format.ts";
import { PAYLOAD_BYTES } from "../domain/payload.ts";
import { isWriteRefusal, mapReadOnly } from "./map-readonly.ts";

export type VerifyMode = "auto" | "full" | "headers";

export interface OpenOptions {
  verify?: VerifyMode;
}

/** The mapped, checked files of an index: what every implementation reads from. */
export interface MappedIndex {
  dir: string;
  entries: number;
  seed: number;
  dirBits: number;
  /** log2 of entries per shard. */
  shardBits: number;
  /** Bucket b holds positions [buckets[b], buckets[b+1]). */
  buckets: Uint32Array;
  /** Per shard: keys as (lo, hi) u32 word pairs. */
  keys: Uint32Array[];
  /** Per shard: raw key bytes (for native code that wants u64s). */
  keyBytes: Uint8Array[];
  /** Per shard: payload bytes, 48 per entry. */
  payloads: Uint8Array[];
  /** Bytes mapped in all. */
  mappedBytes: number;
  /** Every file as mapped: shard -1 is dir.bin. `verified`: its data CRC was checked at open. `ino` tells a file replaced by rename from the one mapped. */
  files: MappedFile[];
}

export interface MappedFile {
  path: string;
  shard: number;
  dataCrc: number;
  ino: number;
  /** Size and mtime when mapped: a change with the same inode means the file was rewritten in place. */
  size: number;
  mtimeMs: number;
  verified: boolean;
}

const AUTO_FULL_VERIFY_BYTES = 256 * 1024 * 1024;

export function mapIndex(dir: string, { verify = "auto" }: OpenOptions = {}): MappedIndex {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new IndexFormatError(dir, "no such index directory (build one with `bun run gen --entries N --seed S --out DIR`)");
  const dirPath = join(dir, DIR_FILE);
  const dirMap = mapFile(dirPath);
  const top = expectKind(dirPath, decodeHeader(dirPath, dirMap), FileKind.Dir);
  const { entries, seed, shards } = top;
  const dirBits = top.param & 0xff, shardBits = top.param >>> 8;
  if (shardBits < 4 || shardBits > DEFAULT_SHARD_BITS || shards !== shardCount(entries, shardBits)) throw new IndexFormatError(dirPath, `corrupted directory (${shards} shards of 2^${shardBits} do not fit ${entries} entries)`);
  if (dirBits !== dirBitsFor(entries) || top.records !== 2 ** dirBits + 1) throw new IndexFormatError(dirPath, `corrupted directory (${top.records} records with ${dirBits} bits do not fit ${entries} entries)`);
  const buckets = new Uint32Array(dirMap.buffer, dirMap.byteOffset + HEADER_BYTES, top.records);
  if (buckets[top.records - 1] !== entries) throw new IndexFormatError(dirPath, `corrupted directory (ends at ${buckets[top.records - 1]}, expected ${entries})`);

  const files: [string, Uint8Array, Header, number][] = [[dirPath, dirMap, top, -1]];
  const keys: Uint32Array[] = [], keyBytes: Uint8Array[] = [], payloads: Uint8Array[] = [];
  for (let s = 0; s < shards; s++) {
    const records = Math.min(2 ** shardBits, entries - s * 2 ** shardBits);
    for (const kind of [FileKind.Keys, FileKind.Payload] as const) {
      const path = join(dir, shardFile(kind, s));
      if (!existsSync(path)) throw new IndexFormatError(path, "missing (the index directory is incomplete; regenerate it)");
      const map = mapFile(path);
      const h = expectKind(path, decodeHeader(path, map), kind);
      const recordBytes = kind === FileKind.Keys ? 8 : PAYLOAD_BYTES;
      if (h.entries !== entries || h.seed !== seed || h.shards !== shards) throw new IndexFormatError(path, `belongs to another index (entries ${h.entries}, seed ${h.seed}; ${DIR_FILE} says entries ${entries}, seed ${seed})`);
      if (h.shard !== s || h.records !== records || h.param !== recordBytes || h.dataBytes !== records * recordBytes) throw new IndexFormatError(path, `header describes shard ${h.shard} of ${h.records} records, expected shard ${s} of ${records}`);
      const data = map.subarray(HEADER_BYTES);
      if (kind === FileKind.Keys) {
        keyBytes.push(data);
        keys.push(new Uint32Array(map.buffer, map.byteOffset + HEADER_BYTES, records * 2));
      } else payloads.push(data);
      files.push([path, map, h, s]);
    }
  }

  const mappedBytes = files.reduce((n, [, m]) => n + m.byteLength, 0);
  const full = verify === "full" || (verify === "auto" && mappedBytes <= AUTO_FULL_VERIFY_BYTES);
  const described: MappedFile[] = [];
  for (const [path, map, h, shard] of files) {
    const checked = full || h.kind === FileKind.Dir;
    if (checked && Bun.hash.crc32(map.subarray(HEADER_BYTES)) !== h.dataCrc) throw new IndexFormatError(path, `corrupted data (${KIND_NAMES[h.kind]} checksum mismatch)`);
    const st = statSync(path);
    described.push({ path, shard, dataCrc: h.dataCrc, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, verified: checked });
  }
  return { dir, entries, seed, dirBits, shardBits, buckets, keys, keyBytes, payloads, mappedBytes, files: described };
}

function mapFile(path: string): Uint8Array {
  const size = statSync(path).size;
  if (size === 0) throw new IndexFormatError(path, "empty file");
  // MAP_PRIVATE: a stray write can never reach the file; read-only pages are still shared page cache across workers.
  try {
    return Bun.mmap(path, { shared: false });
  } catch (e) {
    // Bun.mmap opens O_RDWR: a read-only volume or another user's 0444 file needs a read-only mapping.
    if (!isWriteRefusal(e)) throw e;
    return mapReadOnly(path, size);
  }
}

function expectKind(path: string, h: Header, kind: FileKind): Header {
  if (h.kind !== kind) throw new IndexFormatError(path, `is a ${KIND_NAMES[h.kind as FileKind] ?? `kind-${h.kind}`} file, expected ${KIND_NAMES[kind]}`);
  return h;
}
