/**
 * v18-body-heads: v16-native-fields plus one change — each result's head (its
 * key and attrs) is copied from the request body by the native library, one
 * eix_body_heads call per batch, instead of json-bytes.ts's writeHeads walking
 * every attrs object with for-in and checking and copying each string unit by
 * unit in JS. It can copy only a body in the form JSON.stringify gives a
 * request (no whitespace, no escapes, no other members, no attr name twice),
 * because only there are the body's bytes the bytes writeHeads would write;
 * any other body, a request the HTTP layer did not read, or no library, is
 * answered as v16 answers it, and so is a batch of fewer than 16 events,
 * whose body the HTTP layer does not keep (`keepBodyFrom`,
 * src/enrich/request-body.ts); `assemble` hands the kept bytes to the
 * writer. Same bytes. Evidence: FINDINGS.md §29.
 */
import { bodyOf } from "../request-body.ts";
import type { EnrichContext, EnrichRequest } from "../variant.ts";
import { derive } from "../variant.ts";
import type { PositionResults } from "./native-fields.ts";
import { v16NativeFields } from "./v16-native-fields.ts";

const parentAssemble = v16NativeFields.stages.assemble;
// A thin request gains nothing from the copy and pays for keeping its body (a WeakMap entry, a second FFI call): -10% thin capacity when every batch was kept (FINDINGS.md §29).
const KEEP_BODY_FROM = 16;

export const v18BodyHeads = derive(
  v16NativeFields,
  "v18-body-heads",
  "each result's key and attrs are copied from the request body by the native library, one call per batch, not walked and written string by string in JS",
  {
    assemble(req: EnrichRequest, positions: readonly number[], ctx: EnrichContext, scope): PositionResults {
      const results = parentAssemble.call(this, req, positions, ctx, scope) as PositionResults;
      // Smaller batches have no body kept: no lookup for them.
      if (req.events.length >= KEEP_BODY_FROM) results.body = bodyOf(req);
      return results;
    },
  },
  { keepBodyFrom: KEEP_BODY_FROM },
);
