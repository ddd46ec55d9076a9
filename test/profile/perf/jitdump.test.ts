/**
 * The jitdump reader on dumps written by hand (jitdump-bytes.ts): records,
 * names, address reuse resolved by time, and the files JSC names.
 */
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { JitIndex, jitdumpFiles, jitName, parseJitdump, readJitdumps } from "../../../scripts/profile/perf/jitdump.ts";
import { NAMES, frameKind, jitFrame } from "../../../scripts/profile/perf/symbolize.ts";
import { scratch } from "../../support/fixtures.ts";
import { jitdumpBytes } from "./jitdump-bytes.ts";

const BASE = 0x7fc22dbf2000;

describe("parseJitdump", () => {
  test("reads the header and every code load, skipping records it does not use", () => {
    const d = parseJitdump(
      jitdumpBytes({
        pid: 4242,
        t: 5_000,
        records: [
          { type: "load", t: 5_100, addr: BASE, size: 384, name: "JSC-Thunk: DefaultCall", index: 0 },
          { type: "unwind", t: 5_150, bytes: 24 },
          { type: "unknown", t: 5_160, id: 99, bytes: 8 },
          { type: "load", t: 5_200, addr: BASE + 0x680, size: 352, name: "JSC-FTL: hotA#ARlSOm", index: 1 },
        ],
      }),
    );
    expect({ pid: d.pid, timeNs: d.timeNs, clock: d.clock, truncated: d.truncatedBytes }).toEqual({ pid: 4242, timeNs: 5_000, clock: "monotonic", truncated: 0 });
    expect(d.regions.map((r) => ({ start: r.start, end: r.end, t: r.timeNs, raw: r.raw, index: r.codeIndex }))).toEqual([
      { start: BASE, end: BASE + 384, t: 5_100, raw: "JSC-Thunk: DefaultCall", index: 0 },
      { start: BASE + 0x680, end: BASE + 0x680 + 352, t: 5_200, raw: "JSC-FTL: hotA#ARlSOm", index: 1 },
    ]);
  });

  test("a header longer than 40 bytes is skipped by its size", () => {
    const d = parseJitdump(jitdumpBytes({ pid: 1, headerSize: 64, records: [{ type: "load", t: 2, addr: BASE, size: 16, name: "JSC-DFG: f#AAAAAA", index: 0 }] }));
    expect(d.regions.map((r) => r.raw)).toEqual(["JSC-DFG: f#AAAAAA"]);
  });

  test("DEBUG_INFO attaches file and line to the load that follows it; JIT_CODE_MOVE relocates code by index", () => {
    const d = parseJitdump(
      jitdumpBytes({
        pid: 7,
        records: [
          { type: "debug", t: 10, addr: BASE, entries: [{ addr: BASE + 0x40, line: 12, file: "/src/a.ts" }, { addr: BASE, line: 10, file: "/src/a.ts" }] },
          { type: "load", t: 10, addr: BASE, size: 0x100, name: "JSC-Baseline: lookup#AbCdEf", index: 3 },
          { type: "move", t: 20, oldAddr: BASE, newAddr: BASE + 0x1000, size: 0x100, index: 3 },
        ],
      }),
    );
    expect(d.regions.map((r) => ({ start: r.start, raw: r.raw, lines: r.lines }))).toEqual([
      { start: BASE, raw: "JSC-Baseline: lookup#AbCdEf", lines: [{ addr: BASE, line: 10, file: "/src/a.ts" }, { addr: BASE + 0x40, line: 12, file: "/src/a.ts" }] },
      { start: BASE + 0x1000, raw: "JSC-Baseline: lookup#AbCdEf", lines: [{ addr: BASE + 0x1000, line: 10, file: "/src/a.ts" }, { addr: BASE + 0x1040, line: 12, file: "/src/a.ts" }] },
    ]);
  });

  test("stops at JIT_CODE_CLOSE and at a record cut off mid-write", () => {
    const whole = jitdumpBytes({ pid: 1, records: [{ type: "load", t: 1, addr: BASE, size: 32, name: "JSC-FTL: a#AAAAAA", index: 0 }, { type: "load", t: 2, addr: BASE + 64, size: 32, name: "JSC-FTL: b#BBBBBB", index: 1 }] });
    const cut = parseJitdump(whole.subarray(0, whole.length - 10));
    expect({ names: cut.regions.map((r) => r.raw), truncated: cut.truncatedBytes > 0 }).toEqual({ names: ["JSC-FTL: a#AAAAAA"], truncated: true });
    const closed = parseJitdump(jitdumpBytes({ pid: 1, records: [{ type: "close", t: 1 }, { type: "load", t: 2, addr: BASE, size: 8, name: "JSC-FTL: after#AAAAAA", index: 0 }] }));
    expect(closed.regions).toEqual([]);
  });

  test("the TSC flag is reported, and then lookups ignore time", () => {
    const d = parseJitdump(jitdumpBytes({ pid: 1, flags: 1n, records: [{ type: "load", t: 999, addr: BASE, size: 8, name: "JSC-FTL: a#AAAAAA", index: 0 }] }));
    expect(d.clock).toBe("tsc");
  });

  test("refuses what is not a little-endian jitdump, saying what it expected", () => {
    expect(() => parseJitdump(new Uint8Array(10))).toThrow("shorter than the 40-byte header");
    expect(() => parseJitdump(jitdumpBytes({ pid: 1, magic: 0x12345678, records: [] }))).toThrow('bad magic 0x12345678 (expected 0x4a695444, "JiTD")');
    expect(() => parseJitdump(jitdumpBytes({ pid: 1, magic: 0x4454694a, records: [] }))).toThrow("big-endian");
  });
});

describe("JitIndex", () => {
  // The same bytes hold three generations of code: a is thrown away, b compiled there, c after the sample.
  const regions = parseJitdump(
    jitdumpBytes({
      pid: 1,
      records: [
        { type: "load", t: 100, addr: BASE, size: 0x100, name: "JSC-FTL: a#AAAAAA", index: 0 },
        { type: "load", t: 200, addr: BASE + 0x80, size: 0x100, name: "JSC-FTL: b#BBBBBB", index: 1 },
        { type: "load", t: 300, addr: BASE, size: 0x200, name: "JSC-DFG: c#CCCCCC", index: 2 },
        { type: "load", t: 50, addr: BASE + 0xff0, size: 0x40, name: "JSC-Baseline: crossesPage#DDDDDD", index: 3 },
      ],
    }),
  ).regions;
  const name = (idx: JitIndex, addr: number, t?: number) => idx.lookup(addr, t)?.raw ?? null;

  test("takes the newest code loaded at or before the sample's time", () => {
    const idx = new JitIndex(regions);
    expect([name(idx, BASE + 0x10, 150), name(idx, BASE + 0x90, 150), name(idx, BASE + 0x90, 250), name(idx, BASE + 0x90, 350), name(idx, BASE + 0x10, 300)]).toEqual([
      "JSC-FTL: a#AAAAAA",
      "JSC-FTL: a#AAAAAA",
      "JSC-FTL: b#BBBBBB",
      "JSC-DFG: c#CCCCCC",
      "JSC-DFG: c#CCCCCC",
    ]);
  });

  test("before every load, or without a time, the newest covering code; outside all code, null", () => {
    const idx = new JitIndex(regions);
    expect([name(idx, BASE + 0x10, 10), name(idx, BASE + 0x10), name(idx, BASE + 0x1f0, 250), name(idx, BASE + 0x200, 400), name(idx, BASE - 1, 400)]).toEqual([
      "JSC-DFG: c#CCCCCC",
      "JSC-DFG: c#CCCCCC",
      "JSC-DFG: c#CCCCCC",
      null,
      null,
    ]);
  });

  test("code that spans a page boundary is found from both pages; useTime false ignores times", () => {
    expect([name(new JitIndex(regions), BASE + 0xff8, 60), name(new JitIndex(regions), BASE + 0x1020, 60)]).toEqual(["JSC-Baseline: crossesPage#DDDDDD", "JSC-Baseline: crossesPage#DDDDDD"]);
    expect(name(new JitIndex(regions, false), BASE + 0x10, 150)).toBe("JSC-DFG: c#CCCCCC");
  });
});

describe("names", () => {
  test("jitName drops the tier prefix and the #hash and tells JS tiers from JSC's machinery", () => {
    expect(["JSC-FTL: checkIndexGeneration#AoczaP", "JSC-DFG: parse#Ab12Cd", "JSC-Baseline: #BmEcAT", "JSC-InlineCache: GetById Load handler", "JSC-FTLOSRExit: unspecified", "not a jsc name"].map(jitName)).toEqual([
      { tier: "FTL", name: "checkIndexGeneration", js: true },
      { tier: "DFG", name: "parse", js: true },
      { tier: "Baseline", name: "", js: true },
      { tier: "InlineCache", name: "GetById Load handler", js: false },
      { tier: "FTLOSRExit", name: "unspecified", js: false },
      { tier: "", name: "not a jsc name", js: false },
    ]);
  });

  test("jitFrame names frames as JSC's sampler does: functions by name, top-level code as (module) in its file", () => {
    expect(["JSC-FTL: stringify#AAAAAA", "JSC-Baseline: /srv/app/server.ts#Apgk8k", "JSC-DFG: #BmEcAT", "JSC-Thunk: DefaultCall", "JSC-FTLOSRExit: unspecified"].map((r) => jitFrame(r))).toEqual([
      { name: "stringify", file: "", line: 0 },
      { name: "(module)", file: "/srv/app/server.ts", line: 0 },
      { name: "(anonymous)", file: "", line: 0 },
      { name: "(jsc Thunk: DefaultCall)", file: "", line: 0 },
      { name: "(jsc FTLOSRExit)", file: "", line: 0 },
    ]);
  });
});

describe("files", () => {
  test("finds jit-<tid>-<pid>.dump and jit-<pid>.dump of one pid and merges them, checking the header's pid", () => {
    const dir = scratch();
    writeFileSync(join(dir, "jit-101-100.dump"), jitdumpBytes({ pid: 100, records: [{ type: "load", t: 1, addr: BASE, size: 8, name: "JSC-FTL: one#AAAAAA", index: 0 }] }));
    writeFileSync(join(dir, "jit-100.dump"), jitdumpBytes({ pid: 100, records: [{ type: "load", t: 2, addr: BASE + 8, size: 8, name: "JSC-FTL: two#AAAAAA", index: 0 }] }));
    writeFileSync(join(dir, "jit-201-200.dump"), jitdumpBytes({ pid: 200, records: [{ type: "load", t: 1, addr: BASE, size: 8, name: "JSC-FTL: other#AAAAAA", index: 0 }] }));
    writeFileSync(join(dir, "jit-102-1100.dump"), jitdumpBytes({ pid: 1100, records: [] }));
    expect(jitdumpFiles(dir, 100).map((f) => f.slice(dir.length + 1)).sort()).toEqual(["jit-100.dump", "jit-101-100.dump"]);
    expect(readJitdumps(dir, 100).regions.map((r) => r.raw).sort()).toEqual(["JSC-FTL: one#AAAAAA", "JSC-FTL: two#AAAAAA"]);
    expect(jitdumpFiles(join(dir, "missing"), 100)).toEqual([]);
  });
});

test("frameKind tells JS, JSC's stubs, the Bun binary, libraries and the kernel apart", () => {
  expect(frameKind(jitFrame("JSC-FTL: hotA#AoczaP"))).toBe("js");
  expect(frameKind(jitFrame("JSC-DFG: #AoczaP"))).toBe("js");
  expect(frameKind(jitFrame("JSC-Baseline: handle#AIBpBh", "/work/src/http/app.ts", 12))).toBe("js");
  expect(frameKind(jitFrame("JSC-Thunk: CallTrampoline"))).toBe("jsc");
  expect(frameKind({ name: NAMES.bunNative, file: "", line: 0 })).toBe("bun");
  expect(frameKind({ name: "__memmove_avx512_unaligned_erms", file: "/usr/lib/x86_64-linux-gnu/libc.so.6", line: 0 })).toBe("lib");
  expect(frameKind({ name: `${NAMES.kernelPrefix}tcp_sendmsg`, file: "", line: 0 })).toBe("kernel");
  expect(frameKind({ name: NAMES.unknownJit, file: "", line: 0 })).toBe("unknown");
});
