/**
 * v22-native-checks: v21-lent-answer plus one change — a body of 1 KiB or
 * more in the form JSON.stringify gives a request is checked by the native
 * library (eix_body_valid, one call per body), and where it passes every
 * check the HTTP layer would make of the parsed body (the one-pass schema
 * loop, src/http/one-pass.ts, and checkBeyondSchema), those are skipped.
 * They walked every event and its attrs up to three times with for-in: 12%
 * of a saturated fat request. The C check accepts only bodies that would
 * pass; anything else (another form, an escape, an attr name that is an
 * array index, any check that would fail) goes through the JS checks as in
 * v21, so every 400 and 413 keeps its status, message and path. Where the
 * library is unavailable, v22 is v21. Evidence: FINDINGS.md §33.
 */
import { FFIType, ptr } from "bun:ffi";
import type { Limits } from "../../config.ts";
import { nativeSymbols } from "../../index/native-build.ts";
import { derive } from "../variant.ts";
import { v21LentAnswer } from "./v21-lent-answer.ts";

/** Below this a body is thin: the JS checks of one event cost less than the call (as v19's depth scan). */
export const NATIVE_CHECK_FROM = 1024;

// No compiler, or a library this process cannot load: the JS checks check every body.
const native = nativeSymbols({ eix_body_valid: { args: [FFIType.ptr, FFIType.u32, FFIType.u32, FFIType.u32, FFIType.u32], returns: FFIType.i32 } });

/**
 * nativeBodyValid: whether eix_body_valid passes `bytes` (UTF-8) under
 * `limits`; false where it does not or there is no library. On the body's
 * own buffer: the call is synchronous and the caller holds the bytes.
 */
export function nativeBodyValid(bytes: Uint8Array, limits: Limits): boolean {
  const fns = native();
  if (!fns || bytes.length === 0) return false;
  return fns.eix_body_valid(ptr(bytes), bytes.length, limits.events, limits.attrs, limits.attrChars) > 0;
}

export const v22NativeChecks = derive(
  v21LentAnswer,
  "v22-native-checks",
  "a body in JSON.stringify's form that passes every check is known so by the native library, one call per body, and the JS checks of the parsed body are skipped",
  {},
  { checkBody: (bytes, limits) => bytes.length >= NATIVE_CHECK_FROM && nativeBodyValid(bytes, limits) },
);
