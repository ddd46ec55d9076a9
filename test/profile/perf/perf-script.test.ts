/**
 * The `perf script` parser on text captured from perf 6.1 on a Bun process
 * (fixtures/perf-script.txt: a statx syscall under FTL code, and a sample in
 * FTL code), then symbolization against a jitdump written for those addresses.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { JitIndex, parseJitdump } from "../../../scripts/profile/perf/jitdump.ts";
import { parsePerfScript } from "../../../scripts/profile/perf/perf-script.ts";
import { NAMES, symbolize, toPprof } from "../../../scripts/profile/perf/symbolize.ts";
import { decodePprof, flatten } from "../../../src/admin/pprof.ts";
import { jitdumpBytes } from "./jitdump-bytes.ts";

const captured = readFileSync(join(import.meta.dir, "fixtures", "perf-script.txt"), "utf8");
const BUN = "/work/main/node_modules/bun/bin/bun.exe";

// Hand-written in perf's layout: a C++ symbol with spaces and parentheses, an address no jitdump covers, another thread.
const handWritten = `
 8517   466.270650000:    2004008 
	          a1b2c3 operator new(unsigned long) (/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30)
	          101829 syscall (/usr/lib/x86_64-linux-gnu/libc.so.6)
	    7fc7d0d8ef7c [unknown] (/tmp/perf-8517.map)
	    7fc7d0e00000 [unknown] (/tmp/perf-8517.map)
	         18562c4 [unknown] (${BUN})

 8520   466.271000000:    2004008 
	    7fc7d0d8ef7c [unknown] (/tmp/perf-8517.map)
`;

// The code the captured samples ran in (FTL top-level code of sys.js), an older version of the same bytes, and code loaded after the samples.
const jit = new JitIndex(
  parseJitdump(
    jitdumpBytes({
      pid: 8517,
      records: [
        { type: "load", t: 400_000_000_000, addr: 0x7fc7d0d8ee00, size: 1408, name: "JSC-Baseline: statLoop#AAAAAA", index: 0 },
        { type: "load", t: 466_033_563_606, addr: 0x7fc7d0d8ee00, size: 1408, name: "JSC-FTL: /tmp/perffeas/sys.js#C7FayY", index: 1 },
        { type: "load", t: 466_300_000_000, addr: 0x7fc7d0d8ee00, size: 1408, name: "JSC-DFG: later#BBBBBB", index: 2 },
      ],
    }),
  ).regions,
);

describe("parsePerfScript", () => {
  test("reads tid, time (ns), period and each frame of the captured text; perf's notes are skipped", () => {
    const { samples, skippedLines } = parsePerfScript(captured);
    expect(skippedLines).toBe(2);
    expect(samples.map((s) => ({ tid: s.tid, timeNs: s.timeNs, period: s.period, frames: s.frames.length }))).toEqual([
      { tid: 8517, timeNs: 466_266_565_095, period: 2_004_008, frames: 38 },
      { tid: 8517, timeNs: 466_268_646_158, period: 2_004_008, frames: 29 },
    ]);
    const f = samples[0]!.frames;
    expect([f[0], f[4], f[5], f[8], f[37]]).toEqual([
      { ip: 0xffffffff816e2920, sym: "do_statx", dso: "[kernel.kallsyms]" },
      { ip: 0x101829, sym: "syscall", dso: "/usr/lib/x86_64-linux-gnu/libc.so.6" },
      { ip: 0x2ed187e, sym: "", dso: BUN },
      { ip: 0x7fc7d0d8f042, sym: "", dso: "/tmp/perf-8517.map" },
      { ip: 0x2724a, sym: "__libc_start_call_main", dso: "/usr/lib/x86_64-linux-gnu/libc.so.6" },
    ]);
  });

  test("symbols with spaces and parentheses keep them; the dso is the last parenthesis", () => {
    const { samples } = parsePerfScript(handWritten);
    expect(samples[0]!.frames[0]).toEqual({ ip: 0xa1b2c3, sym: "operator new(unsigned long)", dso: "/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30" });
    expect(samples.map((s) => s.timeNs)).toEqual([466_270_650_000, 466_271_000_000]);
  });
});

describe("symbolize", () => {
  const names = (stack: { name: string }[]) => stack.map((f) => f.name);

  test("kernel frames keep their symbols, JIT frames get the code's JS name at the sample's time, the Bun binary folds into one frame", () => {
    const { samples, stats } = symbolize(parsePerfScript(captured).samples, jit, { tid: 8517, exe: BUN });
    expect(samples.map((s) => names(s.stack))).toEqual([
      ["[kernel] do_statx", "[kernel] __x64_sys_statx", "[kernel] do_syscall_64", "[kernel] entry_SYSCALL_64_after_hwframe", "syscall", NAMES.bunNative, "(module)", "(module)", NAMES.bunNative, "__libc_start_call_main"],
      ["(module)", NAMES.bunNative, "__libc_start_call_main"],
    ]);
    expect(samples[0]!.stack[6]).toEqual({ name: "(module)", file: "/tmp/perffeas/sys.js", line: 0 });
    expect(samples.map((s) => s.values)).toEqual([[1, 2_004_008], [1, 2_004_008]]);
    expect(stats).toEqual({ samples: 2, frames: 67, jitFrames: 3, unresolvedJit: 0, cpuNs: 4_008_016 });
  });

  test("uncovered JIT addresses are named as such, other libraries by symbol and file, other threads dropped", () => {
    const { samples, stats } = symbolize(parsePerfScript(handWritten).samples, jit, { tid: 8517, exe: BUN });
    expect(samples.map((s) => s.stack)).toEqual([
      [
        { name: "operator new(unsigned long)", file: "/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30", line: 0 },
        { name: "syscall", file: "/usr/lib/x86_64-linux-gnu/libc.so.6", line: 0 },
        { name: "(module)", file: "/tmp/perffeas/sys.js", line: 0 },
        { name: NAMES.unknownJit, file: "", line: 0 },
        { name: NAMES.bunNative, file: "", line: 0 },
      ],
    ]);
    expect({ samples: stats.samples, unresolved: stats.unresolvedJit }).toEqual({ samples: 1, unresolved: 1 });
  });

  test("DEBUG_INFO lines become the frame's file and line", () => {
    const idx = new JitIndex(
      parseJitdump(
        jitdumpBytes({
          pid: 1,
          records: [
            { type: "debug", t: 1, addr: 0x7f0000001000, entries: [{ addr: 0x7f0000001000, line: 3, file: "/src/a.ts" }, { addr: 0x7f0000001040, line: 9, file: "/src/a.ts" }] },
            { type: "load", t: 1, addr: 0x7f0000001000, size: 0x80, name: "JSC-FTL: f#AAAAAA", index: 0 },
          ],
        }),
      ).regions,
    );
    const { samples } = symbolize([{ tid: 1, timeNs: 5, period: 10, frames: [{ ip: 0x7f0000001050, sym: "", dso: "//anon" }, { ip: 0x7f0000001010, sym: "", dso: "//anon" }] }], idx, { tid: 1 });
    expect(samples[0]!.stack).toEqual([
      { name: "f", file: "/src/a.ts", line: 9 },
      { name: "f", file: "/src/a.ts", line: 3 },
    ]);
  });

  test("toPprof writes samples/count and cpu/nanoseconds (the default) and says how it was made", () => {
    const { samples, stats } = symbolize(parsePerfScript(captured).samples, jit, { tid: 8517, exe: BUN });
    const p = flatten(decodePprof(toPprof(samples, stats, { pid: 8517, tid: 8517, event: "cpu-clock", hz: 499, command: "perf record …", windowNs: 2e9, startedAtMs: 1_700_000_000_000, jitdump: { dir: "/tmp/jd", regions: 3 }, schedstatNs: 4_100_000 })));
    expect({ types: p.sampleTypes, dflt: p.defaultIndex, period: p.period, periodType: p.periodType, duration: p.durationNanos }).toEqual({
      types: [{ type: "samples", unit: "count" }, { type: "cpu", unit: "nanoseconds" }],
      dflt: 1,
      period: 2_004_008,
      periodType: { type: "cpu", unit: "nanoseconds" },
      duration: 2e9,
    });
    expect(p.comments[0]).toBe("perf_events on-CPU profile: perf record -e cpu-clock -F 499 --call-graph fp, thread 8517 of pid 8517");
    expect(p.comments.join("\n")).toContain("/proc schedstat on-CPU over the window 4.1 ms");
    expect(p.samples.map((s) => names(s.stack))).toEqual(samples.map((s) => names(s.stack)));
  });
});
