/**
 * v23-unparsed-body: v22-native-checks plus one change — a body of 1 KiB or
 * more that the native check passes is neither decoded nor parsed:
 * eix_body_keys checks it exactly as eix_body_valid does and writes each
 * event's key as u32 halves on the way, and the batch is looked up, assembled
 * and written from those halves and the body's bytes (v18's heads copy).
 * The UTF-8 decode and JSON.parse of a fat body were 28% of v22's fat request
 * (FINDINGS.md §35), and nothing on the hot path used the objects they made
 * but the keys. The events are parsed from the bytes only where something
 * still asks for them (UnparsedRequest: a JS writer's fallback, an attr
 * label); any other body goes v22's way. Same bytes, same errors. Evidence:
 * FINDINGS.md §39.
 */
import { FFIType, ptr } from "bun:ffi";
import { isUtf8 } from "node:buffer";
import type { Limits } from "../../config.ts";
import { nativeSymbols } from "../../index/native-build.ts";
import { UnparsedRequest } from "../unparsed-request.ts";
import type { EnrichContext, EnrichRequest, Scope } from "../variant.ts";
import { derive } from "../variant.ts";
import type { PositionResult, PositionResults } from "./native-fields.ts";
import { NATIVE_CHECK_FROM, v22NativeChecks } from "./v22-native-checks.ts";

// No compiler, or a library this process cannot load: every body is parsed, as in v22.
const native = nativeSymbols({ eix_body_keys: { args: [FFIType.ptr, FFIType.u32, FFIType.u32, FFIType.u32, FFIType.u32, FFIType.ptr, FFIType.ptr, FFIType.u32], returns: FFIType.i32 } });

// Long-lived, grown to the events limit: Bun's FFI is handed large buffers that do not move; each request copies its keys out.
let his = new Uint32Array(1024), los = new Uint32Array(1024), found = new Int32Array(1024);

/**
 * unparsedRequest: the request `bytes` hold, read by eix_body_keys, where they
 * are UTF-8 and pass every check under `limits`; undefined where they do not,
 * the body is under `from` bytes (v23: 1 KiB; v24: none), or there is no
 * library. On the body's own buffer: the call is synchronous and the caller
 * holds the bytes.
 */
export function unparsedRequest(bytes: Uint8Array, limits: Limits, from = NATIVE_CHECK_FROM): UnparsedRequest | undefined {
  const fns = native();
  // The size first: a body under the line is left to the HTTP layer's decode, which checks its UTF-8 on the way.
  if (!fns || bytes.length < from || !isUtf8(bytes)) return undefined;
  if (limits.events > his.length) (his = new Uint32Array(limits.events)), (los = new Uint32Array(limits.events));
  const n = fns.eix_body_keys(ptr(bytes), bytes.length, limits.events, limits.attrs, limits.attrChars, ptr(his), ptr(los), limits.events);
  return n > 0 ? new UnparsedRequest(bytes, n, his.slice(0, n), los.slice(0, n)) : undefined;
}

const parent = v22NativeChecks.stages;
// A result's key and attrs until fillHeads sets them: the C writer copies both from the body and never reads these.
const NO_ATTRS: Record<string, string> = Object.freeze({}) as Record<string, string>;

export const v23UnparsedBody = derive(
  v22NativeChecks,
  "v23-unparsed-body",
  "a body the native check passes is neither decoded nor parsed: its keys come from the same C walk, and the answer is written from them and the body's bytes",
  {
    enrichBatch(req: EnrichRequest, ctx: EnrichContext): unknown[] | Promise<unknown[]> {
      if (!(req instanceof UnparsedRequest)) return parent.enrichBatch.call(this, req, ctx);
      const scope = this.begin(req, ctx);
      if (req.count > found.length) found = new Int32Array(req.count);
      ctx.index.findBatch(req.his, req.los, req.count, found);
      const positions = new Array<number>(req.count);
      for (let i = 0; i < req.count; i++) positions[i] = found[i]!;
      return this.assemble(req, positions, ctx, scope);
    },
    assemble(req: EnrichRequest, positions: readonly number[], ctx: EnrichContext, scope: Scope): unknown[] {
      if (!(req instanceof UnparsedRequest)) return parent.assemble.call(this, req, positions, ctx, scope);
      const results = new Array<PositionResult>(req.count) as PositionResults;
      for (let i = 0; i < req.count; i++) {
        const pos = positions[i]!;
        results[i] = { key: "", found: pos >= 0, attrs: NO_ATTRS, pos };
      }
      results.index = ctx.index;
      results.body = req.bytes;
      results.fillHeads = () => {
        const events = req.events;
        for (let i = 0; i < results.length; i++) {
          results[i]!.key = events[i]!.key;
          results[i]!.attrs = events[i]!.attrs;
        }
      };
      return results;
    },
  },
  { viewBody: unparsedRequest },
);
