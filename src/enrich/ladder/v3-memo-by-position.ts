/**
 * v3-memo-by-position: v2-lock-free-lookup plus one change — `fieldsAt`
 * memoizes a batch's decoded fields under the hit's index position instead of
 * under a hex string of its 48 payload bytes. A position names one entry as
 * surely as its bytes do (the index is immutable while a request holds it),
 * and it costs nothing to compute, where payloadHex built 96 characters one
 * byte at a time for every hit — more than the decode it was saving on a thin
 * batch, where the memo never hits. Evidence: FINDINGS.md §4.
 */
import type { EnrichContext, Scope } from "../variant.ts";
import { derive } from "../variant.ts";
import { v2LockFreeLookup } from "./v2-lock-free-lookup.ts";

export const v3MemoByPosition = derive(v2LockFreeLookup, "v3-memo-by-position", "a batch's decoded fields are memoized under the hit's index position, not under a per-byte hex string of its payload", {
  fieldsAt(pos: number, ctx: EnrichContext, scope: Scope, memo: Map<string | number, Record<string, unknown>>): Record<string, unknown> {
    let fields = memo.get(pos);
    if (!fields) {
      fields = this.decode(pos, ctx, scope);
      memo.set(pos, fields);
    }
    return fields;
  },
});
