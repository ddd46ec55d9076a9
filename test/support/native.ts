/**
 * The native index in tests: which implementations a test runs on (both where
 * the C library builds here, else only ts, said loudly), and the child process
 * for the native cases that could crash (test/index/native-child.ts).
 */
import { join } from "node:path";
import { INDEX_IMPLS, type IndexImpl } from "../../src/index/contract.ts";
import { nativeAvailability } from "../../src/index/native-index.ts";

let impls: IndexImpl[] | null = null;

/** Every Index implementation usable here; native is left out (with one warning) only when it cannot be built. */
export function implsUnderTest(): IndexImpl[] {
  if (impls) return impls;
  const native = nativeAvailability();
  if (!native.ok) console.warn(`SKIPPING the native index in these tests: ${native.reason}`);
  impls = INDEX_IMPLS.filter((i) => i === "ts" || native.ok);
  return impls;
}

/** Runs test/index/native-child.ts with args; returns its JSON line, or throws with the exit status and stderr if it crashed. */
export function nativeChild<T = Record<string, unknown>>(...args: string[]): T {
  const r = Bun.spawnSync([process.execPath, join(import.meta.dir, "../index/native-child.ts"), ...args], { stdout: "pipe", stderr: "pipe" });
  if (!r.success) throw new Error(`native child ${args.join(" ")} died (exit ${r.exitCode}, signal ${r.signalCode ?? "none"}):\n${r.stderr.toString()}`);
  return JSON.parse(r.stdout.toString().trim().split("\n").pop()!) as T;
}
