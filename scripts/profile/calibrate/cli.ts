/**
 * `bun scripts/profile.ts calibrate`: scores every CPU profiler against the
 * known-cost server and prints one table each (exit 0 when all pass, 4 when
 * one is off by more than the tolerance). --json prints the scores instead.
 */
import { cli, fail } from "../../../src/cli/args.ts";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { collectMeta, pinSelf, pinning } from "../../lib/meta.ts";
import { calibrate, PROFILERS, type Profiler } from "./run.ts";
import { scoreTable, TOLERANCE_POINTS } from "./score.ts";
import { CALIBRATE_DEFAULTS } from "../../../src/config.ts";

const USAGE = `Usage: bun scripts/profile.ts calibrate [--profilers admin,admin+block,perf,bun] [--rps R] [--seconds S] [--hog] [--json] [--out DIR]

Runs the known-cost server (scripts/profile/calibrate/known-cost-server.ts:
hotA and hotB at 3:1, a JSON round trip, an await on I/O under a lock, plain
Bun HTTP, idle time) under open-model load, captures each profiler over a
window, and compares each function's share with the server's own account of
it (the JS thread's CPU clock around each call). A share more than
${TOLERANCE_POINTS} points off fails. The server is pinned to CPU 0 and this
process to CPU 1 where there are two; --hog adds a busy process on CPU 0.`;

const SPECS = {
  profilers: { kind: "string", help: `comma-separated, of ${PROFILERS.join(", ")}`, default: PROFILERS.join(",") },
  rps: { kind: "number", help: `offered requests/s (default ${CALIBRATE_DEFAULTS.rps}; half that with --hog, which halves the server's core)` },
  seconds: { kind: "number", help: "each profile's window", default: CALIBRATE_DEFAULTS.seconds },
  hog: { kind: "boolean", help: "a CPU hog shares the server's core" },
  "no-pin": { kind: "boolean", help: "leave the server and this process unpinned" },
  json: { kind: "boolean", help: "print the scores as JSON" },
  out: { kind: "string", help: "keep each profile as DIR/<profiler>.pprof, with the scores and conditions in DIR/meta.json" },
} as const;

export async function runCalibrateCli(argv: string[]): Promise<number> {
  const f = cli(argv, USAGE, SPECS);
  const profilers = f.profilers.split(",").map((p) => p.trim()).filter(Boolean);
  for (const p of profilers) if (!(PROFILERS as readonly string[]).includes(p)) fail(`--profilers: '${p}' is not one of ${PROFILERS.join(", ")}`);
  const rps = f.rps ?? (f.hog ? CALIBRATE_DEFAULTS.rps / 2 : CALIBRATE_DEFAULTS.rps);
  if (!(rps > 0)) fail(`--rps: expected a positive rate, got ${rps}`);
  if (!(f.seconds >= 1)) fail(`--seconds: expected at least 1, got ${f.seconds}`);
  const pin = !f["no-pin"];
  if (pin) pinSelf(pinning(0, 1).load);
  const r = await calibrate({ profilers: profilers as Profiler[], rps, seconds: f.seconds, hog: f.hog, pin, out: f.out, say: (l) => process.stderr.write(`${l}\n`) });
  if (f.out) writeFileSync(join(f.out, "meta.json"), `${JSON.stringify({ ...r, rps, seconds: f.seconds, hzAdmin: CALIBRATE_DEFAULTS.hz, tolerancePoints: TOLERANCE_POINTS, meta: collectMeta() }, null, 2)}\n`);
  if (f.json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  else {
    process.stdout.write(`${r.pinning}${r.hog ? "; a CPU hog on the server's core" : ""}\n\n`);
    for (const s of r.scores) process.stdout.write(`${scoreTable(s)}\n\n`);
    for (const s of r.skipped) process.stdout.write(`${s.profiler}: SKIPPED (${s.why})\n`);
  }
  return r.scores.some((s) => s.failures.length) ? 4 : 0;
}
