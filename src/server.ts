/**
 * Usage: bun run serve [flags]
 *
 * The enrich service: POST /enrich and GET /healthz on --port; profiling and
 * metrics on the admin port (loopback). With no --index, builds (first run)
 * and serves the default index data/default (1M entries, seed 1).
 */
import { cli, fail } from "./cli/args.ts";
import { SERVICE_DEFAULTS, DEFAULT_ADMISSION, DEFAULT_LIMITS, PROFILE_LABELS } from "./config.ts";
import { getVariant, variantNames } from "./enrich/registry.ts";
import { startService } from "./service/start.ts";
import { checkLabelAttr } from "./admin/request-labels.ts";
import { INDEX_IMPLS, type IndexImpl } from "./index/contract.ts";
import { CONTINUOUS_FLAGS, continuousFromFlags } from "./admin/continuous/flags.ts";
import { AUDIT_FLAGS, auditFromFlags } from "./audit/flags.ts";
import { writesAudit } from "./enrich/variant.ts";

const USAGE = `Usage: bun run serve [flags]

Serves POST /enrich and GET /healthz on --port, and the profiling/metrics
endpoints on --admin-host:--admin-port. SIGTERM drains in-flight requests,
then exits. Variants: ${variantNames().join(", ")}.`;

const args = cli(process.argv.slice(2), USAGE, {
  port: { kind: "number", help: "hot-path port (0 = any free port)", default: SERVICE_DEFAULTS.port },
  host: { kind: "string", help: "hot-path bind address", default: SERVICE_DEFAULTS.host },
  "admin-port": { kind: "number", help: "admin port (each extra worker i uses admin-port + i)", default: SERVICE_DEFAULTS.adminPort },
  "admin-host": { kind: "string", help: "admin bind address", default: SERVICE_DEFAULTS.adminHost },
  index: { kind: "string", help: "index directory (default: data/default, built on first run)" },
  "index-impl": { kind: "string", help: "index lookup: pure TypeScript, or the C library (native/, built with gcc on first use)", default: SERVICE_DEFAULTS.indexImpl, choices: INDEX_IMPLS },
  "verify-index": { kind: "string", help: "data checksums at open: auto = full up to 256 MiB", default: SERVICE_DEFAULTS.verifyIndex, choices: ["auto", "full", "headers"] },
  variant: { kind: "string", help: "pipeline variant", default: SERVICE_DEFAULTS.variant, choices: variantNames() },
  workers: { kind: "number", help: "processes sharing the port (SO_REUSEPORT), all mapping the same index", default: SERVICE_DEFAULTS.workers },
  "block-profile-rate": { kind: "number", help: "event-loop block profiling: record blocks ≥ N ms (0 = off)", default: SERVICE_DEFAULTS.blockProfileRate },
  "mutex-profile-fraction": { kind: "number", help: "sample 1/N of lock contentions with stacks (0 = off)", default: SERVICE_DEFAULTS.mutexProfileFraction },
  "profile-label-attr": { kind: "string", help: `label CPU samples and block stalls with this attr's value (first event's; at most ${PROFILE_LABELS.attrCardinality} values, then 'other')` },
  "max-body-bytes": { kind: "number", help: "request body limit (413 above)", default: DEFAULT_LIMITS.bodyBytes },
  "max-events": { kind: "number", help: "events per batch limit (413 above)", default: DEFAULT_LIMITS.events },
  "max-attrs": { kind: "number", help: "attrs per event limit (400 above)", default: DEFAULT_LIMITS.attrs },
  "max-attr-chars": { kind: "number", help: "characters per attr string (400 above)", default: DEFAULT_LIMITS.attrChars },
  "max-depth": { kind: "number", help: "JSON nesting depth of a body (400 above; checked before parsing)", default: DEFAULT_LIMITS.depth },
  "max-inflight": { kind: "number", help: "admission: requests in progress at once", default: DEFAULT_ADMISSION.requests },
  "max-inflight-events": { kind: "number", help: "admission: events in progress at once (a larger batch runs alone)", default: DEFAULT_ADMISSION.events },
  "max-queue": { kind: "number", help: "admission: requests waiting at once (503 beyond)", default: DEFAULT_ADMISSION.queue },
  "max-queue-wait": { kind: "duration", help: "admission: longest wait for a slot (503 beyond)", default: `${DEFAULT_ADMISSION.queueMs}ms` },
  "loop-stall": { kind: "duration", help: "admission: shed requests arriving after the event loop was busy this long (0 = off)", default: `${DEFAULT_ADMISSION.loopStallMs}ms` },
  "overload-loop-stall": { kind: "duration", help: "admission: the --loop-stall bound while overloaded (a loop_stall shed within --overload-hold); at most --loop-stall", default: `${DEFAULT_ADMISSION.overloadLoopStallMs}ms` },
  "overload-hold": { kind: "duration", help: "admission: how long after its last loop_stall shed the service counts as overloaded", default: `${DEFAULT_ADMISSION.overloadHoldMs}ms` },
  "request-deadline": { kind: "duration", help: "drop work older than this (from X-Request-Start or arrival) at the next stage", default: `${DEFAULT_ADMISSION.deadlineMs}ms` },
  "max-body-bytes-in-flight": { kind: "number", help: "body bytes read at once across requests (503 beyond)", default: DEFAULT_ADMISSION.bodyBytes },
  "idle-timeout": { kind: "duration", help: "close a connection silent this long (idle keep-alive, stalled headers; 1s–255s)", default: `${SERVICE_DEFAULTS.idleTimeoutS}s` },
  "body-timeout": { kind: "duration", help: "a body not fully arrived this long after its headers gets 408", default: `${DEFAULT_ADMISSION.bodyTimeoutMs}ms` },
  "warmup-batches": { kind: "number", help: "small batches the variant answers in process before the port opens (within 250 ms; 0 = none)", default: SERVICE_DEFAULTS.warmupBatches },
  "worker-id": { kind: "number", help: "(internal) set by the primary on the workers it spawns", default: 0 },
  ...CONTINUOUS_FLAGS,
  ...AUDIT_FLAGS,
});

for (const flag of ["workers", "max-body-bytes", "max-events", "max-attrs", "max-attr-chars", "max-depth", "max-inflight", "max-inflight-events", "max-queue", "max-body-bytes-in-flight"] as const) {
  if (!Number.isInteger(args[flag]) || args[flag] < 1) fail(`--${flag}: expected a positive integer, got ${args[flag]}`);
}
if (!Number.isInteger(args["warmup-batches"]) || args["warmup-batches"] < 0) fail(`--warmup-batches: expected an integer ≥ 0, got ${args["warmup-batches"]}`);
if (args["idle-timeout"] < 1000 || args["idle-timeout"] > 255_000) fail(`--idle-timeout: expected 1s to 255s, got ${args["idle-timeout"]} ms`);
// parseOrdered recurses once per level: a bound far below any stack limit.
if (args["max-depth"] > 1000) fail(`--max-depth: at most 1000, got ${args["max-depth"]}`);
// A bare number is seconds to every duration flag: `--loop-stall 15` was 15 s, which switches the rule off (docs/reliability.md).
if (args["loop-stall"] >= 1000) fail(`--loop-stall: expected a bound under 1s, such as 25ms (0 = off), got ${args["loop-stall"]} ms (a bare number is seconds)`);
if (args["overload-loop-stall"] >= 1000) fail(`--overload-loop-stall: expected a bound under 1s, such as 5ms, got ${args["overload-loop-stall"]} ms (a bare number is seconds)`);
const labelAttrProblem = args["profile-label-attr"] === undefined ? null : checkLabelAttr(args["profile-label-attr"]);
if (labelAttrProblem) fail(`--profile-label-attr: ${labelAttrProblem}`);
for (const flag of ["port", "admin-port"] as const) {
  if (!Number.isInteger(args[flag]) || args[flag] < 0 || args[flag] > 65535) fail(`--${flag}: expected a port number, got ${args[flag]}`);
}

let continuous: ReturnType<typeof continuousFromFlags>;
try {
  continuous = continuousFromFlags(args);
} catch (e) {
  fail((e as Error).message);
}

let audit: ReturnType<typeof auditFromFlags>;
try {
  audit = auditFromFlags(args);
} catch (e) {
  fail((e as Error).message);
}
// An audit log nobody writes would look like an empty log: say so instead.
if (audit && !writesAudit(getVariant(args.variant))) fail(`--audit: variant ${args.variant} does not write the audit log; use one of ${variantNames().filter((n) => writesAudit(getVariant(n))).join(", ")}`);

try {
  await startService({
    port: args.port,
    host: args.host,
    adminPort: args["admin-port"],
    adminHost: args["admin-host"],
    indexDir: args.index,
    verify: args["verify-index"] as "auto" | "full" | "headers",
    indexImpl: args["index-impl"] as IndexImpl,
    variant: args.variant,
    workers: args.workers,
    workerId: args["worker-id"],
    blockProfileRate: args["block-profile-rate"],
    mutexProfileFraction: args["mutex-profile-fraction"],
    profileLabelAttr: args["profile-label-attr"],
    limits: { bodyBytes: args["max-body-bytes"], events: args["max-events"], attrs: args["max-attrs"], attrChars: args["max-attr-chars"], depth: args["max-depth"] },
    idleTimeoutS: Math.round(args["idle-timeout"] / 1000),
    warmupBatches: args["warmup-batches"],
    admission: {
      requests: args["max-inflight"],
      events: args["max-inflight-events"],
      queue: args["max-queue"],
      queueMs: args["max-queue-wait"],
      loopStallMs: args["loop-stall"],
      overloadLoopStallMs: args["overload-loop-stall"],
      overloadHoldMs: args["overload-hold"],
      deadlineMs: args["request-deadline"],
      bodyBytes: args["max-body-bytes-in-flight"],
      bodyTimeoutMs: args["body-timeout"],
    },
    argv: process.argv.slice(2),
    continuous,
    audit,
  });
} catch (e) {
  fail((e as Error).message, 1);
}
