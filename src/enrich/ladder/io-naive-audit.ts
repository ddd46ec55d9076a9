/**
 * io-naive-audit (the IO-bound rung): the best CPU variant (IO_PARENT) plus
 * one change — the audit log is written the naive way: one XADD per event,
 * each awaited in the request's loop before the answer is sent. A batch of
 * 100 events is 100 sequential round trips to Redis; the JS thread is idle
 * through each. Evidence: FINDINGS.md, "The IO regime".
 */
import { entryOf } from "../../audit/entry.ts";
import type { EnrichContext, EnrichRequest } from "../variant.ts";
import { derive } from "../variant.ts";
import { IO_PARENT } from "./io-parent.ts";

/** auditEachEventAwaited: one awaited XADD per event, in order. */
export async function auditEachEventAwaited(req: EnrichRequest, results: readonly unknown[], ctx: EnrichContext): Promise<void> {
  const a = ctx.audit;
  if (!a) return;
  for (let i = 0; i < req.events.length; i++) await a.sink.append(entryOf(req, results, i, a));
}

export const ioNaiveAudit = derive(IO_PARENT, "io-naive-audit", "the audit log is written the naive way: one XADD per event, each awaited before the answer", {
  audit: auditEachEventAwaited,
});
