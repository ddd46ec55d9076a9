/**
 * Usage: bun scripts/profile.ts perf --pid P [--tid T] --seconds N [--jitdump-dir DIR] --out FILE.pprof [--hz 499]
 *
 * The `perf` verb: an on-CPU profile of any Bun process from Linux
 * perf_events, JIT frames named from JSC's jitdump. The process must have
 * been started with BUN_JSC_useJITDump=1 BUN_JSC_jitDumpDirectory=DIR.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { cli, fail } from "../../../src/cli/args.ts";
import { topRows, fmtValue } from "../top.ts";
import { jitdumpFiles } from "./jitdump.ts";
import { perfUsable, recordPerf } from "./record.ts";
import { PERF_DEFAULTS } from "../../../src/config.ts";

const USAGE = `Usage: bun scripts/profile.ts perf --pid P [--tid T] --seconds N [--jitdump-dir DIR] --out FILE.pprof

Records the thread's on-CPU stacks with perf record (-e ${PERF_DEFAULTS.event}, frame
pointers) for N seconds and writes a gzipped pprof (samples/count, cpu/nanoseconds)
with the JIT frames named from the process's jitdump. Start the process with
  BUN_JSC_useJITDump=1 BUN_JSC_jitDumpDirectory=DIR bun ...
(--jitdump-dir defaults to that variable in the process's environment).
Ctrl-C ends the recording early and still writes the profile. Details: docs/profile.md.`;

const SPECS = {
  pid: { kind: "number", help: "the Bun process" },
  tid: { kind: "number", help: "the thread (default: the main thread, where JS runs)" },
  seconds: { kind: "number", help: "how long to record", default: 10 },
  "jitdump-dir": { kind: "string", help: "the process's BUN_JSC_jitDumpDirectory (default: read from /proc/PID/environ)" },
  out: { kind: "string", help: "the pprof file to write", default: "perf.pprof" },
  hz: { kind: "number", help: "sampling frequency", default: PERF_DEFAULTS.hz },
  quiet: { kind: "boolean", help: "no summary on stdout" },
} as const;

export async function runPerfCli(argv: string[]): Promise<number> {
  const f = cli(argv, USAGE, SPECS);
  if (f.pid === undefined || !Number.isInteger(f.pid) || f.pid <= 0) fail("--pid: the process to record is required (a positive pid)");
  if (!(f.seconds > 0 && f.seconds <= 3600)) fail(`--seconds: expected 0 < N ≤ 3600, got ${f.seconds}`);
  if (!(f.hz >= 1 && f.hz <= 10_000) || !Number.isInteger(f.hz)) fail(`--hz: expected a whole number in 1..10000, got ${f.hz}`);
  const jitdumpDir = f["jitdump-dir"] ?? environOf(f.pid).BUN_JSC_jitDumpDirectory;
  if (!jitdumpDir) fail(`--jitdump-dir: not given, and pid ${f.pid} has no BUN_JSC_jitDumpDirectory in its environment (start it with BUN_JSC_useJITDump=1 BUN_JSC_jitDumpDirectory=DIR)`, 1);
  if (!jitdumpFiles(jitdumpDir, f.pid).length) fail(`no jitdump of pid ${f.pid} in ${jitdumpDir} (jit-<tid>-${f.pid}.dump): was it started with BUN_JSC_useJITDump=1 BUN_JSC_jitDumpDirectory=${jitdumpDir}?`, 1);
  const ok = await perfUsable();
  if (!ok.ok) fail(`perf not usable: ${ok.why}`, 1);
  const ac = new AbortController();
  process.once("SIGINT", () => ac.abort());
  const r = await recordPerf({ pid: f.pid, tid: f.tid, seconds: f.seconds, jitdumpDir, hz: f.hz, signal: ac.signal });
  const out = resolve(f.out);
  writeFileSync(out, r.bytes);
  if (!f.quiet) {
    const rows = topRows({ sampleTypes: [{ type: "samples", unit: "count" }, { type: "cpu", unit: "nanoseconds" }], defaultIndex: 1, period: 0, periodType: null, durationNanos: 0, timeNanos: 0, comments: [], samples: r.samples }, 1, "flat").slice(0, 10);
    const lines = [
      `perf: ${r.stats.samples} samples, ${fmtValue(r.stats.cpuNs, "nanoseconds")} on CPU over ${fmtValue(r.windowNs, "nanoseconds")}${r.schedstatNs !== null ? ` (schedstat: ${fmtValue(r.schedstatNs, "nanoseconds")})` : ""}; ${r.jitRegions} JIT records, ${r.stats.unresolvedJit}/${r.stats.jitFrames} JIT frames unresolved`,
      ...rows.map((x) => `${(x.flatShare * 100).toFixed(1).padStart(6)}%  ${x.name}${x.file ? `  ${x.file}` : ""}`),
      out,
    ];
    process.stdout.write(lines.join("\n") + "\n");
  }
  return 0;
}

function environOf(pid: number): Record<string, string> {
  try {
    return Object.fromEntries(
      readFileSync(`/proc/${pid}/environ`, "latin1")
        .split("\0")
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
    );
  } catch {
    return {};
  }
}
