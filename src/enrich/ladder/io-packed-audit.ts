/**
 * io-packed-audit: io-batched-scripted-audit plus one change — a request's
 * entries reach the writer as one packed string (src/audit/entry.ts,
 * packedOf), and the flush's script splits it into the same XADDs inside
 * Redis. Same entries, same round trips; what goes is the JS thread's cost
 * of six arguments per entry (an entry object, two number-to-string
 * conversions, and the client's encoding of each argument): three arguments
 * per request remain. Evidence: FINDINGS.md, "The IO regime".
 */
import { packedOf } from "../../audit/entry.ts";
import type { EnrichContext, EnrichRequest } from "../variant.ts";
import { derive } from "../variant.ts";
import { ioBatchedScriptedAudit } from "./io-batched-scripted-audit.ts";

export const ioPackedAudit = derive(ioBatchedScriptedAudit, "io-packed-audit", "each request's entries go to the batched writer as one packed string, split into XADDs inside Redis by the flush's script, not six arguments per entry", {
  audit(req: EnrichRequest, results: readonly unknown[], ctx: EnrichContext): void {
    const a = ctx.audit;
    if (a) a.sink.enqueuePacked(packedOf(req, results, a));
  },
});
