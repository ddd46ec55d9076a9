/**
 * On-disk index format, version 1.
 *
 * An index is a directory of files, each ≤ 1 GiB so that every `Bun.mmap`
 * stays far below the 4 GiB per-mapping limit:
 *
 *   dir.bin          bucket directory: u32[2^dirBits + 1] start positions
 *   keys-NNN.bin     keys of positions [NNN·2^shardBits, …), u64 LE each
 *   payload-NNN.bin  48-byte payloads, same positions
 *
 * Entries are sorted by key (as unsigned 64-bit). Keys are fmix64 outputs, so
 * their top bits are uniform: bucket b = key >> (64 − dirBits) holds ~4–8
 * entries and a lookup is one directory read plus a short scan.
 *
 * Shards hold 2^shardBits entries (recorded in dir.bin), at most 2^24 so no
 * payload file reaches 1 GiB.
 *
 * Every file starts with a 64-byte header (little-endian):
 *
 *   0  8  magic "ENRICHIX"
 *   8  4  format version (1)
 *   12 4  file kind (1 dir, 2 keys, 3 payload)
 *   16 8  entries in the whole index
 *   24 8  seed
 *   32 4  shard number of this file
 *   36 4  shard count
 *   40 4  records in this file
 *   44 4  kind parameter: dirBits | shardBits << 8 (dir), record bytes (keys 8, payload 48)
 *   48 8  data bytes after the header
 *   56 4  CRC-32 of the data bytes
 *   60 4  CRC-32 of header bytes 0–59
 */
export const MAGIC = "ENRICHIX";
export const FORMAT_VERSION = 1;
export const HEADER_BYTES = 64;
/** Default entries per keys/payload shard: 2^24 = 16.7M → 805 MB of payload per file. Tests build smaller shards. */
export const DEFAULT_SHARD_BITS = 24;
/** Positions are JS int32-safe on the hot path. */
export const MAX_ENTRIES = 2 ** 31 - 1;

export const enum FileKind {
  Dir = 1,
  Keys = 2,
  Payload = 3,
}

export const KIND_NAMES = { [FileKind.Dir]: "directory", [FileKind.Keys]: "keys", [FileKind.Payload]: "payload" } as const;

export interface Header {
  version: number;
  kind: FileKind;
  entries: number;
  seed: number;
  shard: number;
  shards: number;
  records: number;
  param: number;
  dataBytes: number;
  dataCrc: number;
}

/** Directory size for N entries: about 4–8 entries per bucket. */
export function dirBitsFor(entries: number): number {
  return Math.max(4, Math.min(28, Math.ceil(Math.log2(Math.max(entries, 1))) - 3));
}

export function shardCount(entries: number, shardBits: number): number {
  return Math.max(1, Math.ceil(entries / 2 ** shardBits));
}

export function shardFile(kind: FileKind.Keys | FileKind.Payload, shard: number): string {
  return `${kind === FileKind.Keys ? "keys" : "payload"}-${String(shard).padStart(3, "0")}.bin`;
}

export const DIR_FILE = "dir.bin";

export function encodeHeader(h: Header): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES);
  const v = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) out[i] = MAGIC.charCodeAt(i);
  v.setUint32(8, h.version, true);
  v.setUint32(12, h.kind, true);
  v.setBigUint64(16, BigInt(h.entries), true);
  v.setBigUint64(24, BigInt(h.seed), true);
  v.setUint32(32, h.shard, true);
  v.setUint32(36, h.shards, true);
  v.setUint32(40, h.records, true);
  v.setUint32(44, h.param, true);
  v.setBigUint64(48, BigInt(h.dataBytes), true);
  v.setUint32(56, h.dataCrc, true);
  v.setUint32(60, Bun.hash.crc32(out.subarray(0, 60)), true);
  return out;
}

/** Thrown for any file that cannot be served; the message names the file and the problem. */
export class IndexFormatError extends Error {
  constructor(readonly file: string, problem: string) {
    super(`index file ${file}: ${problem}`);
  }
}

/** Reads and checks a header: magic, version, header checksum, and the file's length against it. */
export function decodeHeader(file: string, bytes: Uint8Array): Header {
  if (bytes.byteLength < HEADER_BYTES) throw new IndexFormatError(file, `truncated: ${bytes.byteLength} bytes, shorter than the ${HEADER_BYTES}-byte header`);
  const magic = String.fromCharCode(...bytes.subarray(0, 8));
  if (magic !== MAGIC) throw new IndexFormatError(file, `not an enrich index (magic ${JSON.stringify(magic)}, expected "${MAGIC}")`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  const version = v.getUint32(8, true);
  if (version !== FORMAT_VERSION) throw new IndexFormatError(file, `format version ${version}, this build reads version ${FORMAT_VERSION}; regenerate it with \`bun run gen\``);
  const crc = Bun.hash.crc32(bytes.subarray(0, 60));
  if (crc !== v.getUint32(60, true)) throw new IndexFormatError(file, "corrupted header (header checksum mismatch)");
  const h: Header = {
    version,
    kind: v.getUint32(12, true),
    entries: Number(v.getBigUint64(16, true)),
    seed: Number(v.getBigUint64(24, true)),
    shard: v.getUint32(32, true),
    shards: v.getUint32(36, true),
    records: v.getUint32(40, true),
    param: v.getUint32(44, true),
    dataBytes: Number(v.getBigUint64(48, true)),
    dataCrc: v.getUint32(56, true),
  };
  const expected = HEADER_BYTES + h.dataBytes;
  if (bytes.byteLength < expected) throw new IndexFormatError(file, `truncated: ${bytes.byteLength} bytes, header says ${expected}`);
  if (bytes.byteLength > expected) throw new IndexFormatError(file, `${bytes.byteLength - expected} trailing bytes after the ${expected} the header describes`);
  return h;
}

/**
 * Thrown by a lookup that would read a corrupt entry: a file whose data CRC
 * failed, or (before its CRC has been checked) an entry that breaks the
 * payload's invariants. The HTTP layer answers it 503, never 500, and never
 * with the entry's bytes.
 */
export class IndexCorruptError extends Error {
  constructor(readonly file: string, problem: string) {
    super(`index file ${file}: ${problem}`);
  }
}
