/**
 * The service's continuous-profiling flags, declared once (src/server.ts
 * spreads them into its specs) and turned into ContinuousOptions with a
 * one-line error for anything that cannot run.
 */
import { CONTINUOUS_DEFAULTS as D } from "../../config.ts";
import { formatDuration } from "../../cli/duration.ts";
import { type Kind, KINDS } from "./files.ts";
import { validateSchedule } from "./schedule.ts";
import type { ContinuousOptions } from "./service.ts";

export const CONTINUOUS_FLAGS = {
  "continuous-profile": { kind: "string", help: "capture CPU, heap and block profiles on a schedule into DIR (docs/profiling.md)" },
  "continuous-profile-window": { kind: "duration", help: "length of each capture window", default: formatDuration(D.windowMs) },
  "continuous-profile-every": { kind: "duration", help: "one window per period, aligned to the clock", default: formatDuration(D.everyMs) },
  "continuous-profile-keep": { kind: "duration", help: "delete captures older than this", default: formatDuration(D.keepMs) },
  "continuous-profile-max-files": { kind: "number", help: "and keep at most this many files in DIR (oldest deleted first)", default: D.maxFiles },
  "continuous-profile-kinds": { kind: "string", help: "comma-separated kinds: cpu, heap, block", default: D.kinds.join(",") },
  "continuous-profile-heap-walk": { kind: "duration", help: "count the heap's objects by type only when that walk is estimated to hold the loop at most this long (0: never)", default: formatDuration(D.heapWalkBudgetMs) },
  "profile-push": { kind: "string", help: "also push each capture to this Pyroscope-compatible server (POST URL/ingest)" },
} as const;

type Flags = { [K in keyof typeof CONTINUOUS_FLAGS]: K extends "continuous-profile" | "profile-push" ? string | undefined : K extends "continuous-profile-kinds" ? string : number };

/** continuousFromFlags returns the options (undefined without --continuous-profile); throws a one-line message on a bad value. */
export function continuousFromFlags(f: Flags): ContinuousOptions | undefined {
  const dir = f["continuous-profile"];
  if (dir === undefined) {
    if (f["profile-push"] !== undefined) throw new Error("--profile-push needs --continuous-profile DIR (the captures it pushes)");
    return undefined;
  }
  if (dir === "") throw new Error("--continuous-profile: expected a directory");
  const windowMs = f["continuous-profile-window"], everyMs = f["continuous-profile-every"];
  const bad = validateSchedule(windowMs, everyMs);
  if (bad) throw new Error(`--continuous-profile-window/--continuous-profile-every: ${bad}`);
  const kinds = f["continuous-profile-kinds"].split(",").map((k) => k.trim()).filter(Boolean);
  for (const k of kinds) if (!(KINDS as readonly string[]).includes(k)) throw new Error(`--continuous-profile-kinds: expected some of ${KINDS.join(", ")}, got '${k}'`);
  if (kinds.length === 0) throw new Error("--continuous-profile-kinds: expected at least one kind");
  const maxFiles = f["continuous-profile-max-files"];
  if (!Number.isInteger(maxFiles) || maxFiles < 1) throw new Error(`--continuous-profile-max-files: expected a positive integer, got ${maxFiles}`);
  if (!(f["continuous-profile-keep"] >= everyMs)) throw new Error(`--continuous-profile-keep: expected at least one period (${formatDuration(everyMs)}), got ${formatDuration(f["continuous-profile-keep"])}`);
  const push = f["profile-push"];
  if (push !== undefined) {
    let u: URL;
    try {
      u = new URL(push);
    } catch {
      throw new Error(`--profile-push: expected an http(s) URL, got '${push}'`);
    }
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error(`--profile-push: expected an http(s) URL, got '${push}'`);
  }
  return { dir, windowMs, everyMs, keepMs: f["continuous-profile-keep"], maxFiles, kinds: [...new Set(kinds)] as Kind[], hz: D.hz, blockRateMs: D.blockRateMs, heapWalkBudgetMs: f["continuous-profile-heap-walk"], pushUrl: push, pushTimeoutMs: D.pushTimeoutMs };
}
