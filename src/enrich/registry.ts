/**
 * The variant ladder. v0 is the inherited control and never changes; each
 * later variant is `derive(parent, name, change, { oneStage })` — its parent
 * plus one named change, with the evidence in FINDINGS.md. Side variants that
 * prove a negative (v0-turbo-json) stay registered so the claim stays checkable.
 */
import { derive, type Variant } from "./variant.ts";
import { v0 } from "./v0/index.ts";
import { turboStringify } from "./v0/serialize.ts";
import { v1SharedRules } from "./ladder/v1-shared-rules.ts";
import { v2LockFreeLookup } from "./ladder/v2-lock-free-lookup.ts";
import { v3MemoByPosition } from "./ladder/v3-memo-by-position.ts";
import { v4TableDecode } from "./ladder/v4-table-decode.ts";
import { v4SyncLookups } from "./ladder/v4-sync-lookups.ts";
import { v5NativeStringify } from "./ladder/v5-native-stringify.ts";
import { v6NoAuditCopy } from "./ladder/v6-no-audit-copy.ts";
import { v8ArithmeticKey } from "./ladder/v8-arithmetic-key.ts";
import { v9ArithmeticDate } from "./ladder/v9-arithmetic-date.ts";
import { v10BatchedLookup } from "./ladder/v10-batched-lookup.ts";
import { v11PlainTagLists } from "./ladder/v11-plain-tag-lists.ts";
import { v12OnePassValidation } from "./ladder/v12-one-pass-validation.ts";
import { v15JsonBytes } from "./ladder/v15-json-bytes.ts";
import { v16NativeFields } from "./ladder/v16-native-fields.ts";
import { v18BodyHeads } from "./ladder/v18-body-heads.ts";
import { v19NativeDepth } from "./ladder/v19-native-depth.ts";
import { v20FiveDigitKeys } from "./ladder/v20-five-digit-keys.ts";
import { v21LentAnswer } from "./ladder/v21-lent-answer.ts";
import { v22NativeChecks } from "./ladder/v22-native-checks.ts";
import { v23UnparsedBody } from "./ladder/v23-unparsed-body.ts";
import { v24ThinUnparsed } from "./ladder/v24-thin-unparsed.ts";
import { v25InTurnAnswer } from "./ladder/v25-in-turn-answer.ts";
import { ioNaiveAudit } from "./ladder/io-naive-audit.ts";
import { ioPipelinedAudit } from "./ladder/io-pipelined-audit.ts";
import { ioBatchedAudit } from "./ladder/io-batched-audit.ts";
import { ioNaiveAuditOnV2 } from "./ladder/io-naive-audit-on-v2.ts";
import { ioBatchedScriptedAudit } from "./ladder/io-batched-scripted-audit.ts";
import { ioPackedAudit } from "./ladder/io-packed-audit.ts";

// The owner's JSON-library switch: its serializer wins a micro-benchmark, yet thin-batch
// capacity did not move, because serialization was never the bottleneck. Kept so that
// claim stays checkable with bench:ab and bench/service-capacity.ts.
const v0TurboJson = derive(v0, "v0-turbo-json", "the inherited switch to a schema-compiled 'faster' JSON library (serializer only; thin capacity unchanged)", { serialize: turboStringify });

// The IO regime (issue 13): the audit log written to Redis, on the best CPU rung (ladder/io-parent.ts);
// they write only with --audit (without it their audit stage has no log and does nothing).
const IO_RUNGS: readonly Variant[] = [ioNaiveAudit, ioPipelinedAudit, ioBatchedAudit, ioBatchedScriptedAudit, ioPackedAudit, ioNaiveAuditOnV2];

const LADDER: readonly Variant[] = [v0, v0TurboJson, v1SharedRules, v2LockFreeLookup, v3MemoByPosition, v4TableDecode, v4SyncLookups, v5NativeStringify, v6NoAuditCopy, v8ArithmeticKey, v9ArithmeticDate, v10BatchedLookup, v11PlainTagLists, v12OnePassValidation, v15JsonBytes, v16NativeFields, v18BodyHeads, v19NativeDepth, v20FiveDigitKeys, v21LentAnswer, v22NativeChecks, v23UnparsedBody, v24ThinUnparsed, v25InTurnAnswer, ...IO_RUNGS];

export const VARIANTS: ReadonlyMap<string, Variant> = new Map(LADDER.map((v) => [v.name, v]));

/** Names in ladder order. */
export function variantNames(): string[] {
  return [...VARIANTS.keys()];
}

/** The variant called `name`; throws with the list of known names otherwise. */
export function getVariant(name: string): Variant {
  const v = VARIANTS.get(name);
  if (!v) throw new Error(`unknown variant '${name}' (known: ${variantNames().join(", ")})`);
  return v;
}
