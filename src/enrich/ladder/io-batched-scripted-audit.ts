/**
 * io-batched-scripted-audit: io-batched-audit plus one change — each flush
 * is one EVALSHA whose Lua script runs the batch's XADDs inside Redis,
 * instead of one XADD command per entry pipelined. Same round trips, same
 * entries; what goes is the client's per-command cost on the JS thread
 * (encoding a command, settling a promise per entry). Evidence: FINDINGS.md,
 * "The IO regime".
 */
import { entriesOf } from "../../audit/entry.ts";
import type { EnrichContext, EnrichRequest } from "../variant.ts";
import { derive } from "../variant.ts";
import { ioBatchedAudit } from "./io-batched-audit.ts";

export const ioBatchedScriptedAudit = derive(ioBatchedAudit, "io-batched-scripted-audit", "each batched flush is one script call (EVALSHA) running the batch's XADDs in Redis, not one XADD command per entry", {
  audit(req: EnrichRequest, results: readonly unknown[], ctx: EnrichContext): void {
    const a = ctx.audit;
    if (a) a.sink.enqueue(entriesOf(req, results, a), "script");
  },
});
