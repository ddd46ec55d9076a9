/**
 * Usage: bun run serve [flags]
 *
 * The enrich service: POST /enrich and GET /healthz on --port; profiling and
 * metrics on the admin port (loopback). With no --index, builds (first run)
 * and serves the default index data/default (1M entries, seed 1).
 */
import { cli, fail } from "./cli/args.ts";
import { DEFAULTS, DEFAULT_LIMITS } from "./config.ts";
import { variantNames } from "./enrich/registry.ts";
import { startService } from "./service/start.ts";

const USAGE = `Usage: bun run serve [flags]

Serves POST /enrich and GET /healthz on --port, and the profiling/metrics
endpoints on --admin-host:--admin-port. SIGTERM drains in-flight requests,
then exits. Variants: ${variantNames().join(", ")}.`;

const args = cli(process.argv.slice(2), USAGE, {
  port: { kind: "number", help: "hot-path port (0 = any free port)", default: DEFAULTS.port },
  host: { kind: "string", help: "hot-path bind address", default: "0.0.0.0" },
  "admin-port": { kind: "number", help: "admin port (each extra worker i uses admin-port + i)", default: DEFAULTS.adminPort },
  "admin-host": { kind: "string", help: "admin bind address", default: DEFAULTS.adminHost },
  index: { kind: "string", help: "index directory (default: data/default, built on first run)" },
  "verify-index": { kind: "string", help: "data checksums at open: auto = full up to 256 MiB", default: "auto", choices: ["auto", "full", "headers"] },
  variant: { kind: "string", help: "pipeline variant", default: DEFAULTS.variant, choices: variantNames() },
  workers: { kind: "number", help: "processes sharing the port (SO_REUSEPORT), all mapping the same index", default: DEFAULTS.workers },
  "block-profile-rate": { kind: "number", help: "event-loop block profiling: record blocks ≥ N ms (0 = off)", default: DEFAULTS.blockProfileRate },
  "mutex-profile-fraction": { kind: "number", help: "sample 1/N of lock contentions with stacks (0 = off)", default: DEFAULTS.mutexProfileFraction },
  "max-body-bytes": { kind: "number", help: "request body limit (413 above)", default: DEFAULT_LIMITS.bodyBytes },
  "max-events": { kind: "number", help: "events per batch limit (413 above)", default: DEFAULT_LIMITS.events },
  "max-attrs": { kind: "number", help: "attrs per event limit (400 above)", default: DEFAULT_LIMITS.attrs },
  "max-attr-chars": { kind: "number", help: "characters per attr string (400 above)", default: DEFAULT_LIMITS.attrChars },
  "worker-id": { kind: "number", help: "(internal) set by the primary on the workers it spawns", default: 0 },
});

for (const flag of ["workers", "max-body-bytes", "max-events", "max-attrs", "max-attr-chars"] as const) {
  if (!Number.isInteger(args[flag]) || args[flag] < 1) fail(`--${flag}: expected a positive integer, got ${args[flag]}`);
}
for (const flag of ["port", "admin-port"] as const) {
  if (!Number.isInteger(args[flag]) || args[flag] < 0 || args[flag] > 65535) fail(`--${flag}: expected a port number, got ${args[flag]}`);
}

try {
  await startService({
    port: args.port,
    host: args.host,
    adminPort: args["admin-port"],
    adminHost: args["admin-host"],
    indexDir: args.index,
    verify: args["verify-index"] as "auto" | "full" | "headers",
    variant: args.variant,
    workers: args.workers,
    workerId: args["worker-id"],
    blockProfileRate: args["block-profile-rate"],
    mutexProfileFraction: args["mutex-profile-fraction"],
    limits: { bodyBytes: args["max-body-bytes"], events: args["max-events"], attrs: args["max-attrs"], attrChars: args["max-attr-chars"] },
    argv: process.argv.slice(2),
  });
} catch (e) {
  fail((e as Error).message, 1);
}
