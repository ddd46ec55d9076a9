/**
 * v19-native-depth: v18-body-heads plus one change — the body's nesting depth
 * (the HTTP layer's bound before any parser, src/http/nesting.ts) is counted
 * by the native library's eix_nesting_depth, one call per body, instead of
 * nesting.ts's byte loop in JS: 6% of a saturated fat request's JS thread,
 * at ~1.6 ns a byte. Same count, same contract (`max + 1` once past `max`),
 * so every answer and every 400 is v18's. A body under NATIVE_DEPTH_FROM
 * bytes, or a machine without the library, is left to nesting.ts's scan.
 * Evidence: FINDINGS.md §30.
 */
import { FFIType, ptr } from "bun:ffi";
import { nativeSymbols } from "../../index/native-build.ts";
import { derive } from "../variant.ts";
import { v18BodyHeads } from "./v18-body-heads.ts";

/** Below this, the JS scan of a thin body (~100 bytes) costs less than the call's fixed cost and its ptr() (FINDINGS.md §30). */
export const NATIVE_DEPTH_FROM = 1024;

// No compiler, or a library this process cannot load: nesting.ts counts every body.
const native = nativeSymbols({ eix_nesting_depth: { args: [FFIType.ptr, FFIType.u32, FFIType.u32], returns: FFIType.i32 } });

/**
 * nativeNestingDepth: eix_nesting_depth's count of `bytes` (nesting.ts's
 * nestingDepth, byte for byte), or undefined with no library. The call is
 * synchronous and `bytes` is held by the caller throughout, so the body's own
 * buffer is passed, not a copy.
 */
export function nativeNestingDepth(bytes: Uint8Array, max: number): number | undefined {
  const fns = native();
  if (!fns) return undefined;
  if (bytes.length === 0) return 0;
  const d = fns.eix_nesting_depth(ptr(bytes), bytes.length, max);
  if (d < 0) throw new Error(`eix_nesting_depth refused a body of ${bytes.length} bytes with max ${max}`);
  return d;
}

export const v19NativeDepth = derive(
  v18BodyHeads,
  "v19-native-depth",
  "the body's nesting depth is counted by the native library, one call per body, not by the HTTP layer's byte loop in JS",
  {},
  { nestingDepth: (bytes, max) => (bytes.length < NATIVE_DEPTH_FROM ? undefined : nativeNestingDepth(bytes, max)) },
);
