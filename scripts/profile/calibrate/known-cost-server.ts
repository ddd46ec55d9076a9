/**
 * Usage: bun scripts/profile/calibrate/known-cost-server.ts [--scale N]
 *
 * The CPU profilers' calibration target: a server whose CPU shares are fixed
 * by construction and measured by the kernel, never by the sampler under
 * test. Every POST /work runs, in this order:
 *
 *   hotA          pure JS arithmetic, 3 units of work
 *   hotB          the same loop, 1 unit (hotA:hotB = 3:1 by iteration count)
 *   jsonRoundTrip JSON.stringify then JSON.parse of a fixed ~20 kB object (native code called from JS)
 *   lockedIo      an async lock held across a real fs stat (the wait is on Bun's pool threads, not CPU)
 *
 * and answers through plain Bun.serve (Bun's native HTTP work). Offered below
 * capacity, the process also idles. GET /truth reports the JS thread's
 * on-CPU and run-queue nanoseconds (schedstat) and, for each named
 * function, the on-CPU nanoseconds its synchronous run took, read from the
 * same clock around each call. A profile's share for a function should
 * match truth[fn] / onCpuNs over the same window. The real admin port is
 * served beside it, as by the service.
 */
import * as jsc from "bun:jsc";
import { stat } from "node:fs/promises";
import { parseArgs } from "node:util";
import { createAdminApp } from "../../../src/admin/server.ts";
import { createAdminHub } from "../../../src/admin/hub.ts";
import { threadCpu, threadCpuNs } from "../../../src/admin/thread-cpu.ts";
import { AsyncMutex } from "../../../src/enrich/async-mutex.ts";

const { values } = parseArgs({ options: { scale: { type: "string", default: "1" } } });
const scale = Number(values.scale);
if (!(scale > 0)) {
  process.stderr.write(`error: --scale: expected a positive number, got '${values.scale}'\n`);
  process.exit(2);
}

/**
 * One unit of pure-JS work: int32 xorshift steps, which JIT code computes
 * inline. (Float `%` would be a call into C that JIT code makes without
 * telling the VM; JSC's sampler then charges that time to the JS frame of
 * the last host call instead — a real blind spot, documented in
 * docs/profile.md, but not what this calibrates.) hotA and hotB each run
 * their own loop rather than sharing a callee: JSC's sampler sometimes walks
 * only the leaf frame of hot loop code, which would hide which caller it
 * worked for. The result feeds the answer so the JIT cannot drop it.
 */
const UNIT = Math.round(150_000 * scale);
function hotA(): number {
  let x = 2_463_534_242;
  for (let i = 0; i < 3 * UNIT; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
  }
  return x;
}
function hotB(): number {
  let x = 88_675_123;
  for (let i = 0; i < UNIT; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
  }
  return x;
}

const DOC = { rows: Array.from({ length: 200 }, (_, i) => ({ id: i, name: `row-${i}`, tags: ["a", "b", "c"], score: i / 7 })) };
function jsonRoundTrip(): number {
  let n = 0;
  for (let i = 0; i < Math.max(1, Math.round(2 * scale)); i++) n += (JSON.parse(JSON.stringify(DOC)) as typeof DOC).rows.length;
  return n;
}

const lock = new AsyncMutex("known-cost-lock");
async function lockedIo(): Promise<number> {
  const release = await lock.acquire();
  try {
    return (await stat(import.meta.path)).size;
  } finally {
    release();
  }
}

// Present at runtime in Bun 1.4 but missing from bun-types.
const { noInline } = jsc as unknown as { noInline(f: (...args: never[]) => unknown): void };
// Never inlined: perf names JIT code by the function it was compiled for, so an
// inlined hotA would be charged to its caller there (JSC's sampler rebuilds inlined frames).
for (const f of [hotA, hotB, jsonRoundTrip, lockedIo]) noInline(f);

const FUNCTIONS = ["hotA", "hotB", "jsonRoundTrip", "lockedIo"] as const;
const truth: Record<(typeof FUNCTIONS)[number], number> = { hotA: 0, hotB: 0, jsonRoundTrip: 0, lockedIo: 0 };

/** timed runs fn and charges its synchronous part's on-CPU time (the kernel's clock) to `name`. */
function timed<T>(name: keyof typeof truth, fn: () => T): T {
  const before = threadCpuNs();
  try {
    return fn();
  } finally {
    truth[name] += threadCpuNs() - before;
  }
}

noInline(timed);

async function work(): Promise<string> {
  const a = timed("hotA", hotA);
  const b = timed("hotB", hotB);
  const j = timed("jsonRoundTrip", jsonRoundTrip);
  // lockedIo's CPU is its synchronous segments; the await in between is a wait on the pool threads.
  const size = await timed("lockedIo", lockedIo);
  return `${a ^ b} ${j} ${size}`;
}

const hub = createAdminHub({ blockProfileRate: 0, mutexProfileFraction: 0, variant: "known-cost", workerId: 0 });
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(req) {
    const path = new URL(req.url).pathname;
    if (path === "/truth") return Response.json({ ...threadCpu(), functions: truth, unitIterations: UNIT });
    if (req.method !== "POST" || path !== "/work") return new Response("not found", { status: 404 });
    await req.arrayBuffer();
    return new Response(await work());
  },
});
const admin = createAdminApp(hub).listen({ port: 0, hostname: "127.0.0.1" });
process.stderr.write(`known-cost[0]: serving http://127.0.0.1:${server.port} (unit ${UNIT} iterations); admin http://127.0.0.1:${admin.server!.port}\n`);
process.on("SIGTERM", () => process.exit(0));
