/**
 * A read-only file mapping for the pure-TS index, without a compiler:
 * libc's open(O_RDONLY) + mmap(PROT_READ, MAP_SHARED) through bun:ffi.
 *
 * Why: Bun.mmap opens the file O_RDWR even for a private mapping, so index
 * files on a read-only volume, or owned by another user (0444/0644, the
 * normal way to ship immutable data), are refused with EACCES. PROT_READ is
 * also the stronger promise: a stray write faults instead of copying a page.
 * The mapping is an external ArrayBuffer whose deallocator is munmap itself
 * (JSC calls it as fn(bytes, context): bytes = the address, context = the
 * length), so it is unmapped when the last view is garbage, like Bun.mmap's.
 */
import { closeSync, openSync } from "node:fs";
import { dlopen, FFIType, toArrayBuffer, type Pointer } from "bun:ffi";

const PROT_READ = 1;
const MAP_SHARED = 1;

const SYMBOLS = {
  mmap: { args: [FFIType.ptr, FFIType.u64, FFIType.i32, FFIType.i32, FFIType.i32, FFIType.i64], returns: FFIType.i64 },
  munmap: { args: [FFIType.ptr, FFIType.u64], returns: FFIType.i32 },
} as const;

let libc: ReturnType<typeof dlopen<typeof SYMBOLS>>["symbols"] | null = null;

function fns() {
  libc ??= dlopen(process.platform === "darwin" ? "libSystem.B.dylib" : "libc.so.6", SYMBOLS).symbols;
  return libc;
}

/** bun:ffi's toArrayBuffer also takes a deallocator context and a JSTypedArrayBytesDeallocator, which @types/bun does not declare. */
const externalBuffer = toArrayBuffer as unknown as (p: Pointer, offset: number, length: number, ctx: Pointer, deallocator: Pointer) => ArrayBuffer;

/** mapReadOnly maps `size` bytes of the file at `path` read-only and shared (page cache shared across processes). */
export function mapReadOnly(path: string, size: number): Uint8Array {
  const f = fns();
  const fd = openSync(path, "r");
  try {
    const addr = f.mmap(null, size, PROT_READ, MAP_SHARED, fd, 0) as unknown as bigint | number;
    const a = BigInt(addr);
    if (a === -1n || a === 0n) throw new Error(`mmap of ${path} failed`);
    return new Uint8Array(externalBuffer(Number(a) as Pointer, 0, size, size as unknown as Pointer, (f.munmap as unknown as { ptr: Pointer }).ptr));
  } finally {
    // The mapping keeps the file's pages; the descriptor is not needed after mmap.
    closeSync(fd);
  }
}

/** True for the errors that mean "Bun.mmap's O_RDWR was refused, a read-only open may succeed". */
export function isWriteRefusal(e: unknown): boolean {
  const code = (e as { code?: string }).code ?? "";
  const text = String((e as Error).message ?? e);
  return ["EACCES", "EPERM", "EROFS"].includes(code) || /EACCES|EPERM|EROFS|permission denied|read-only file system/i.test(text);
}
