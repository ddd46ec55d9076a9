/**
 * io-response-audit: io-packed-audit plus one change — the packed string is
 * the answer's own text, already serialized for the client: the flush's
 * script cuts each entry's key, found and attrs out of it inside Redis
 * (src/audit/entry.ts says where, and why attrs cannot fool the cut). What
 * goes is the second JSON.stringify of every event's attrs on the JS thread,
 * and its UTF-8 encoding of a second, 16-bit string. Evidence: FINDINGS.md,
 * "The IO regime".
 */
import { responseEntries } from "../../audit/entry.ts";
import type { EnrichContext, EnrichRequest } from "../variant.ts";
import { derive } from "../variant.ts";
import { ioPackedAudit } from "./io-packed-audit.ts";

export const ioResponseAudit = derive(ioPackedAudit, "io-response-audit", "the packed string is the answer's own text: the flush's script cuts each entry out of it inside Redis, with no second stringify of the attrs", {
  audit(req: EnrichRequest, _results: readonly unknown[], ctx: EnrichContext, body: string): void {
    const a = ctx.audit;
    if (a) a.sink.enqueuePacked(responseEntries(req, body, a));
  },
});
