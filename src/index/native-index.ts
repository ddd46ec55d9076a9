/**
 * The native Index: native/enrich_index.c behind bun:ffi (docs/native.md).
 *
 * The C library maps the files itself, read-only (so a read-only volume or
 * root-owned 0644 files open, where Bun.mmap's O_RDWR is refused), checks them
 * as open.ts does, and answers a batch of keys in one call with software
 * prefetching across it. Payload bytes stay readable from JS: each payload
 * shard is wrapped once as an external ArrayBuffer whose deallocator drops a
 * reference on the C handle, so the files are unmapped only after close() and
 * after the last view into them is garbage.
 *
 * Bun's FFI is cheap per call but must not be handed pointers to small typed
 * arrays that can move: every index owns large, preallocated key and position
 * buffers, takes their addresses once, and findBatch copies through them.
 */
import { dlopen, FFIType, ptr, toArrayBuffer, type Pointer } from "bun:ffi";
import { normalize } from "node:path";
import { checkBatch, type Index, type PayloadShards } from "./contract.ts";
import { IndexFormatError } from "./format.ts";
import { nativeLibrary, NativeUnavailableError } from "./native-build.ts";
import type { OpenOptions } from "./open.ts";
import { PAYLOAD_BYTES } from "../domain/payload.ts";

/** Keys per FFI call; longer batches are split. Large enough that the call's fixed cost is spread thin. */
export const NATIVE_BATCH_CAPACITY = 4096;
const ERR_BYTES = 4096;
const VERIFY = { headers: 0, auto: 1, full: 2 } as const;
/** Slots of eix_info (enrich_index.h EIX_INFO_*). */
const INFO = { entries: 0, seed: 1, dirBits: 2, shardBits: 3, shards: 4, mappedBytes: 5, count: 6 } as const;

const SYMBOLS = {
  eix_open: { args: [FFIType.ptr, FFIType.i32, FFIType.ptr, FFIType.u32], returns: FFIType.ptr },
  eix_info: { args: [FFIType.ptr, FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
  eix_payload_data: { args: [FFIType.ptr, FFIType.u32], returns: FFIType.ptr },
  eix_find: { args: [FFIType.ptr, FFIType.u32, FFIType.u32], returns: FFIType.i32 },
  eix_find_batch: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.u32, FFIType.ptr], returns: FFIType.i32 },
  eix_retain: { args: [FFIType.ptr], returns: FFIType.void },
  eix_release_view: { args: [FFIType.ptr, FFIType.ptr], returns: FFIType.void },
  eix_close: { args: [FFIType.ptr], returns: FFIType.void },
} as const;

type Native = ReturnType<typeof dlopen<typeof SYMBOLS>>["symbols"];
let native: Native | null = null;

/** The library's functions, built and loaded on first use; throws NativeUnavailableError. */
function lib(): Native {
  if (native) return native;
  const path = nativeLibrary();
  try {
    native = dlopen(path, SYMBOLS).symbols;
  } catch (e) {
    throw new NativeUnavailableError(`cannot load the native index ${path}: ${(e as Error).message}`);
  }
  return native;
}

/** Whether the native index can be built and loaded here, and if not, why (tests skip loudly on it). */
export function nativeAvailability(): { ok: true } | { ok: false; reason: string } {
  try {
    lib();
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
}

/** bun:ffi's toArrayBuffer also takes a deallocator context and a JSTypedArrayBytesDeallocator (fn(bytes, ctx)), which @types/bun does not declare. */
const externalBuffer = toArrayBuffer as unknown as (p: Pointer, offset: number, length: number, ctx: Pointer, deallocator: Pointer) => ArrayBuffer;

// Long-lived, module-wide: written by C only during eix_open.
const errBuf = new Uint8Array(ERR_BYTES);
const infoBuf = new BigUint64Array(INFO.count);

export class NativeIndex implements Index {
  readonly impl = "native";
  readonly entries: number;
  readonly seed: number;
  readonly dir: string;
  readonly mappedBytes: number;
  private handle: Pointer | null;
  private readonly shardBits: number;
  private readonly shardMask: number;
  private payloads: Uint8Array[] = [];
  private readonly fns: Native;
  // The batch buffers and their addresses, fixed for the index's life.
  private readonly his = new Uint32Array(NATIVE_BATCH_CAPACITY);
  private readonly los = new Uint32Array(NATIVE_BATCH_CAPACITY);
  private readonly out = new Int32Array(NATIVE_BATCH_CAPACITY);
  private readonly hisPtr: Pointer;
  private readonly losPtr: Pointer;
  private readonly outPtr: Pointer;

  constructor(dir: string, { verify = "auto" }: OpenOptions = {}) {
    const fns = (this.fns = lib());
    // normalize: the C library joins paths with "/", so its messages name files as path.join would.
    const path = Buffer.from(`${normalize(dir).replace(/(.)\/+$/, "$1")}\0`);
    const handle = fns.eix_open(ptr(path), VERIFY[verify], ptr(errBuf), ERR_BYTES) as Pointer | null;
    if (!handle) {
      const text = new TextDecoder().decode(errBuf);
      const [file = dir, problem = "cannot open"] = text.split("\0");
      throw new IndexFormatError(file, problem);
    }
    this.handle = handle;
    fns.eix_info(handle, ptr(infoBuf), INFO.count);
    this.entries = Number(infoBuf[INFO.entries]);
    this.seed = Number(infoBuf[INFO.seed]);
    this.mappedBytes = Number(infoBuf[INFO.mappedBytes]);
    this.shardBits = Number(infoBuf[INFO.shardBits]);
    this.shardMask = 2 ** this.shardBits - 1;
    this.dir = dir;
    const shards = Number(infoBuf[INFO.shards]);
    const release = (fns.eix_release_view as unknown as { ptr: Pointer }).ptr;
    for (let s = 0; s < shards; s++) {
      const records = Math.min(2 ** this.shardBits, this.entries - s * 2 ** this.shardBits);
      // Each view holds a reference on the handle; its deallocator (eix_release_view) drops it when the view is garbage.
      fns.eix_retain(handle);
      this.payloads.push(new Uint8Array(externalBuffer(fns.eix_payload_data(handle, s) as Pointer, 0, records * PAYLOAD_BYTES, handle, release)));
    }
    this.hisPtr = ptr(this.his);
    this.losPtr = ptr(this.los);
    this.outPtr = ptr(this.out);
  }

  find(hi: number, lo: number): number {
    return this.fns.eix_find(this.handle, hi, lo);
  }

  findBatch(his: Uint32Array, los: Uint32Array, n: number, out: Int32Array): number {
    checkBatch(his, los, n, out);
    if (!this.handle) {
      out.fill(-1, 0, n);
      return 0;
    }
    let hits = 0;
    for (let o = 0; o < n; o += NATIVE_BATCH_CAPACITY) {
      const m = Math.min(NATIVE_BATCH_CAPACITY, n - o);
      // Short batches copy element by element: cheaper than three subarray objects.
      if (m <= 32) for (let i = 0; i < m; i++) (this.his[i] = his[o + i]!), (this.los[i] = los[o + i]!);
      else this.his.set(his.subarray(o, o + m)), this.los.set(los.subarray(o, o + m));
      hits += this.fns.eix_find_batch(this.handle, this.hisPtr, this.losPtr, m, this.outPtr);
      if (m <= 32) for (let i = 0; i < m; i++) out[o + i] = this.out[i]!;
      else out.set(this.out.subarray(0, m), o);
    }
    return hits;
  }

  payload(pos: number): Uint8Array {
    const off = (pos & this.shardMask) * PAYLOAD_BYTES;
    return this.payloads[pos >>> this.shardBits]!.subarray(off, off + PAYLOAD_BYTES);
  }

  payloadShards(): PayloadShards {
    return { shards: this.payloads, shardBits: this.shardBits };
  }

  close(): void {
    if (!this.handle) return;
    const h = this.handle;
    this.handle = null;
    this.payloads = [];
    this.fns.eix_close(h);
  }
}

/** Opens the index in `dir` with the native implementation; throws IndexFormatError or NativeUnavailableError. */
export function openNativeIndex(dir: string, options?: OpenOptions): NativeIndex {
  return new NativeIndex(dir, options);
}
