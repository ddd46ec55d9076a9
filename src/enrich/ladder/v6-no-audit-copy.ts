/**
 * v6-no-audit-copy: v5-native-stringify plus one change — `begin` no longer
 * deep-copies the whole batch through JSON.stringify + JSON.parse "for the
 * audit log". Nothing ever read the copy but the lookup loop (the audit log
 * was never written: issue 13 makes it real, from the answered events), and
 * the request is not mutated by any stage, so the lookups read the request
 * itself. It was the largest allocation left in the pipeline's own stages,
 * and on fat batches the widest CPU frame too. Evidence: FINDINGS.md §7.
 */
import type { EnrichRequest, Scope } from "../variant.ts";
import { derive } from "../variant.ts";
import { SHARED_RULES } from "./v1-shared-rules.ts";
import { v5NativeStringify } from "./v5-native-stringify.ts";

export const v6NoAuditCopy = derive(v5NativeStringify, "v6-no-audit-copy", "no JSON deep copy of the batch per request: the lookups read the request itself", {
  begin(_req: EnrichRequest): Scope {
    return { rules: SHARED_RULES };
  },
});
