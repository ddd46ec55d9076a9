/**
 * The service's audit flags, declared once (src/server.ts spreads them into
 * its specs) and turned into the sink's options with a one-line error for
 * anything that cannot run.
 */
import { AUDIT_DEFAULTS as D } from "../config.ts";
import { formatDuration } from "../cli/duration.ts";
import type { AuditOptions } from "./sink.ts";
import { parseAuditTarget } from "./target.ts";

export const AUDIT_FLAGS = {
  audit: { kind: "string", help: `append every answered event to a Redis stream (default stream ${D.stream}); the io-* variants write it (README "Audit log")` },
  "audit-batch": { kind: "number", help: "batched audit: flush once this many entries wait", default: D.batchEntries },
  "audit-flush": { kind: "duration", help: "batched audit: flush once the oldest waiting entry is this old", default: formatDuration(D.flushMs) },
  "audit-buffer": { kind: "number", help: "batched audit: most entries held unwritten (Redis down or slow); beyond, dropped and counted", default: D.maxBufferedEntries },
} as const;

type Flags = { audit: string | undefined; "audit-batch": number; "audit-flush": number; "audit-buffer": number };

/** auditFromFlags returns the options (undefined without --audit); throws a one-line message on a bad value. */
export function auditFromFlags(f: Flags): AuditOptions | undefined {
  if (f.audit === undefined) return undefined;
  const target = parseAuditTarget(f.audit);
  for (const flag of ["audit-batch", "audit-buffer"] as const) {
    if (!Number.isInteger(f[flag]) || f[flag] < 1) throw new Error(`--${flag}: expected a positive integer, got ${f[flag]}`);
  }
  if (f["audit-buffer"] < f["audit-batch"]) throw new Error(`--audit-buffer: expected at least --audit-batch (${f["audit-batch"]}), got ${f["audit-buffer"]}`);
  if (!(f["audit-flush"] > 0)) throw new Error(`--audit-flush: expected a positive duration, got ${formatDuration(f["audit-flush"])}`);
  return { target, batchEntries: f["audit-batch"], flushMs: f["audit-flush"], maxBufferedEntries: f["audit-buffer"] };
}
