/**
 * io-pipelined-audit: io-naive-audit plus one change — a batch's XADDs are
 * issued together and awaited together (pipelined: one round trip per batch
 * instead of one per event). The answer still waits until Redis has
 * acknowledged every entry. Evidence: FINDINGS.md, "The IO regime".
 */
import { entriesOf } from "../../audit/entry.ts";
import type { EnrichContext, EnrichRequest } from "../variant.ts";
import { derive } from "../variant.ts";
import { ioNaiveAudit } from "./io-naive-audit.ts";

export const ioPipelinedAudit = derive(ioNaiveAudit, "io-pipelined-audit", "the batch's XADDs are pipelined: one round trip to Redis per batch, awaited before the answer", {
  audit(req: EnrichRequest, results: readonly unknown[], ctx: EnrichContext): Promise<void> | void {
    const a = ctx.audit;
    if (a) return a.sink.appendAll(entriesOf(req, results, a));
  },
});
