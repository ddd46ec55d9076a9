import { expect, test } from "bun:test";
import { join } from "node:path";

// The usage paths only: a real run is a benchmark (minutes of load), never a test.
const SCRIPT = join(import.meta.dir, "../../bench/admin-cost.ts");
const run = (...args: string[]) => Bun.spawnSync([process.execPath, SCRIPT, ...args], { stdout: "pipe", stderr: "pipe" });

test("admin-cost --help names every flag", () => {
  const r = run("--help");
  expect(r.exitCode).toBe(0);
  for (const flag of ["--variant", "--rps", "--gap", "--repeat", "--calls", "--base", "--out"]) expect(r.stdout.toString()).toContain(flag);
});

test("admin-cost refuses an unknown call and a gap too short for a call's window, in one line, exit 2", () => {
  const unknown = run("--calls", "metrics,nope");
  expect(unknown.exitCode).toBe(2);
  expect(unknown.stderr.toString()).toContain("--calls: unknown call 'nope' (known: metrics, rates, cpu, block, trace, bundle-end, heap)");
  const short = run("--gap", "2s");
  expect(short.exitCode).toBe(2);
  expect(short.stderr.toString()).toContain("--gap must be at least 3s");
});
