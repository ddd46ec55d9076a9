/**
 * io-naive-audit-on-v2 (a side variant, the Amdahl control): io-naive-audit's
 * audit stage on IO_CONTROL_PARENT, a rung without the CPU fixes v3…v8. Read
 * the other way round, io-naive-audit is this variant plus those CPU fixes:
 * if the request's time is Redis round trips, its throughput and p99 should
 * not move between the two. Kept off the main line, like v4-sync-lookups.
 * Evidence: FINDINGS.md, "The IO regime".
 */
import { derive } from "../variant.ts";
import { IO_CONTROL_PARENT } from "./io-parent.ts";
import { auditEachEventAwaited } from "./io-naive-audit.ts";

export const ioNaiveAuditOnV2 = derive(IO_CONTROL_PARENT, "io-naive-audit-on-v2", `(side variant) io-naive-audit's one awaited XADD per event on ${IO_CONTROL_PARENT.name}, without the later CPU fixes`, {
  audit: auditEachEventAwaited,
});
