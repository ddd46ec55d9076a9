/**
 * cpu.pprof against perf.pprof on small hand-built profiles: frames named
 * the way each profiler names them (JSC: host functions without a file, one
 * outside-JS frame; perf: "(bun native)", "[kernel] …", JIT frames without a
 * file), encoded and decoded like real bundle files.
 */
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { crossCheck, NO_JS } from "../../scripts/profile/cross-check.ts";
import { diagnose } from "../../scripts/profile/doctor.ts";
import { decodePprof, type FlatProfile, flatten } from "../../src/admin/pprof.ts";
import { encodeProfile } from "../../scripts/profile/pprof.ts";
import { scratch } from "../support/fixtures.ts";

const SRC = "/app/server.ts";
const js = (name: string) => ({ name, file: SRC, line: 1 });
const host = (name: string) => ({ name, file: "", line: 0 });
const OUTSIDE = host("(bun native: outside JS — HTTP, event loop, I/O)");
const jit = (name: string) => ({ name, file: "", line: 0 });
const NATIVE = host("(bun native)");
const kernel = (name: string) => host(`[kernel] ${name}`);

/** A profile from [stack leaf-first, ms of CPU] rows, through encodeProfile and back. */
function profile(rows: [{ name: string; file: string; line: number }[], number][]): FlatProfile {
  const bytes = encodeProfile({
    sampleTypes: [{ type: "samples", unit: "count" }, { type: "cpu", unit: "nanoseconds" }],
    defaultIndex: 1,
    period: 10_000_000,
    periodType: { type: "cpu", unit: "nanoseconds" },
    durationNanos: 1e9,
    timeNanos: 0,
    comments: [],
    samples: rows.map(([stack, ms]) => ({ stack, values: [Math.max(1, Math.round(ms / 10)), ms * 1e6], labels: {} })),
  });
  return flatten(decodePprof(bytes));
}

// The JSC view of a request: hotA, hotB, JSON.parse under jsonRoundTrip, Bun's HTTP work outside JS.
const cpuView = (outsideMs: number, hotAMs: number) =>
  profile([
    [[js("hotA"), js("work")], hotAMs],
    [[js("hotB"), js("work")], 200],
    [[host("parse"), js("jsonRoundTrip"), js("work")], 100],
    [[OUTSIDE], outsideMs],
  ]);
// The perf view of the same: hotA's double modulo runs in Bun's binary, the syscalls in the kernel.
const perfView = (noJsMs: number, hotAMs: number) =>
  profile([
    [[NATIVE, jit("hotA"), jit("work")], hotAMs * 0.9],
    [[jit("hotA"), jit("work")], hotAMs * 0.1],
    [[jit("hotB"), jit("work")], 200],
    [[NATIVE, jit("jsonRoundTrip"), jit("work")], 100],
    [[kernel("do_syscall_64"), NATIVE], noJsMs / 2],
    [[NATIVE], noJsMs / 2],
  ]);

describe("cpu.pprof vs perf.pprof", () => {
  test("the same work named two ways agrees: native code and the kernel fold into their JS caller", () => {
    const c = crossCheck(cpuView(100, 600), perfView(100, 600));
    expect({ warning: c.warning, widest: c.widest.perf?.name, compared: c.compared.map((f) => [f.name, +f.perf.toFixed(3), +f.cpu.toFixed(3)]) }).toEqual({
      warning: null,
      widest: "hotA",
      compared: [["hotA", 0.6, 0.6], ["hotB", 0.2, 0.2], ["jsonRoundTrip", 0.1, 0.1], [NO_JS, 0.1, 0.1]],
    });
  });

  test("a frame ≥ 10% in one and < half of that in the other: the warning names it with both shares and trusts perf", () => {
    // cpu.pprof charges 25% to outside-JS time that perf finds only 4% of (on the known-cost server, 23% vs 4.5%)
    const c = crossCheck(cpuView(250, 450), perfView(40, 660));
    expect({ disagree: c.disagree.map((f) => f.name), widestDiffer: c.widestDiffer }).toEqual({ disagree: [NO_JS], widestDiffer: false });
    expect(c.warning).toBe(
      `cpu.pprof and perf.pprof disagree on the widest frames; trust perf.pprof (the kernel's on-CPU samples): ${NO_JS} 4.0% in perf.pprof vs 25.0% in cpu.pprof — shares of on-CPU time by JS function, native code folded into its JS caller`,
    );
  });

  test("the widest frames differ by a margin: both are named", () => {
    const cpu = profile([[[js("lookup")], 400], [[js("decode")], 350], [[js("rest")], 250]]);
    const perf = profile([[[jit("decode")], 450], [[jit("lookup")], 380], [[jit("rest")], 170]]);
    const c = crossCheck(cpu, perf);
    expect({ disagree: c.disagree.length, widestDiffer: c.widestDiffer, tail: c.warning?.split(": ").slice(1).join(": ") }).toEqual({
      disagree: 0,
      widestDiffer: true,
      tail: "decode 45.0% in perf.pprof vs 35.0% in cpu.pprof; lookup 38.0% in perf.pprof vs 40.0% in cpu.pprof (widest: decode by perf.pprof, lookup by cpu.pprof) — shares of on-CPU time by JS function, native code folded into its JS caller",
    });
    // a near tie is not a disagreement
    expect(crossCheck(cpu, profile([[[jit("decode")], 410], [[jit("lookup")], 390], [[jit("rest")], 200]])).warning).toBeNull();
  });

  test("the doctor reads perf.pprof beside cpu.pprof and prints the warning as a note", async () => {
    const dir = scratch();
    const encode = (rows: [{ name: string; file: string; line: number }[], number][]) =>
      encodeProfile({ sampleTypes: [{ type: "samples", unit: "count" }, { type: "cpu", unit: "nanoseconds" }], defaultIndex: 1, period: 1e7, periodType: null, durationNanos: 1e9, timeNanos: 0, comments: [], samples: rows.map(([stack, ms]) => ({ stack, values: [1, ms * 1e6], labels: {} })) });
    writeFileSync(join(dir, "cpu.pprof"), encode([[[js("hotA")], 450], [[OUTSIDE], 250], [[js("hotB")], 300]]));
    writeFileSync(join(dir, "perf.pprof"), encode([[[NATIVE, jit("hotA")], 650], [[NATIVE], 40], [[jit("hotB")], 310]]));
    const d = await diagnose(dir);
    expect({ note: d.notes.some((n) => n.startsWith("cpu.pprof and perf.pprof disagree")), widest: d.crossCheck?.widest.perf?.name }).toEqual({ note: true, widest: "hotA" });
  });
});
