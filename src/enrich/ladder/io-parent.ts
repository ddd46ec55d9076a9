/**
 * The IO rungs' parent, named in one place: the best CPU variant, so the
 * audit's IO cost is not hidden behind CPU waste. Re-point it when a better
 * CPU rung lands; every io-* variant follows. IO_CONTROL_PARENT is the
 * Amdahl control's: a CPU-worse rung (v3…v8's CPU fixes undone) carrying the
 * same naive audit, to show those CPU fixes buy nothing once the request
 * waits on Redis (io-naive-audit-on-v2). It stays v22-native-checks past
 * v23-unparsed-body: the audit stage packs each event's key and attrs from the
 * parsed events, so on v23 every audited body would be parsed anyway.
 */
import { v2LockFreeLookup } from "./v2-lock-free-lookup.ts";
import { v22NativeChecks } from "./v22-native-checks.ts";

/** v8-arithmetic-key until FINDINGS.md §20 (§12's figures were measured on v8), v12-one-pass-validation until §24 (§20's were on v12), v15-json-bytes until §26 (§24's were on v15), v16-native-fields until §36 (§26's were on v16). */
export const IO_PARENT = v22NativeChecks;
export const IO_CONTROL_PARENT = v2LockFreeLookup;
