/**
 * io-batched-audit: io-pipelined-audit plus one change — decoupled: the
 * answer is sent once the batch's entries are in the bounded batched writer
 * (src/audit/batch-writer.ts), which flushes by size and time, one round trip
 * per flush, across requests. The request no longer waits on Redis; the
 * crash-safe contract changes accordingly (README "Audit log").
 * Evidence: FINDINGS.md, "The IO regime".
 */
import { entriesOf } from "../../audit/entry.ts";
import type { EnrichContext, EnrichRequest } from "../variant.ts";
import { derive } from "../variant.ts";
import { ioPipelinedAudit } from "./io-pipelined-audit.ts";

export const ioBatchedAudit = derive(ioPipelinedAudit, "io-batched-audit", "decoupled audit: the answer goes once the entries are in a bounded writer that flushes batches by size and time", {
  audit(req: EnrichRequest, results: readonly unknown[], ctx: EnrichContext): void {
    const a = ctx.audit;
    if (a) a.sink.enqueue(entriesOf(req, results, a));
  },
});
