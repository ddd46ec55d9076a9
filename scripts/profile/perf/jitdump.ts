/**
 * Reads the jitdump JSC writes with BUN_JSC_useJITDump=1 (the Linux perf
 * format, tools/perf/Documentation/jitdump-specification.txt) and answers
 * "which JIT code was at this address at this time". JSC names the file
 * jit-<writer tid>-<pid>.dump (its PerfLog thread's tid), stamps records with
 * CLOCK_MONOTONIC ns, and reuses code addresses as code is thrown away and
 * recompiled: a lookup takes the newest load at or before the sample's time.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const MAGIC = 0x4a695444; // "JiTD" read as a little-endian u32
const MAGIC_SWAPPED = 0x4454694a;
const HEADER_MIN = 40;
const FLAG_ARCH_TIMESTAMP = 1n;
const REC = { load: 0, move: 1, debugInfo: 2, close: 3, unwindingInfo: 4 } as const;
/** Lookups bucket regions by this many address bits (4 kB pages). */
const PAGE_BITS = 12;

/** One piece of JIT code: where it lived, from when, and what JSC called it. */
export interface JitRegion {
  start: number;
  end: number;
  /** Load time (the dump's clock, ns). */
  timeNs: number;
  /** Order in the file: breaks ties between equal timestamps. */
  seq: number;
  codeIndex: number;
  /** The record's name as written, e.g. "JSC-FTL: hotA#AoczaP". */
  raw: string;
  /** DEBUG_INFO entries for this code, by address ascending (JSC writes none by default). */
  lines: { addr: number; line: number; file: string }[];
}

export interface Jitdump {
  pid: number;
  /** Header timestamp (ns, the dump's clock). */
  timeNs: number;
  /** "monotonic" (CLOCK_MONOTONIC, the default) or "tsc" (JITDUMP_FLAGS_ARCH_TIMESTAMP: not comparable with perf's clock). */
  clock: "monotonic" | "tsc";
  regions: JitRegion[];
  /** Bytes after the last whole record (a dump still being written ends mid-record). */
  truncatedBytes: number;
}

/** Parses jitdump bytes. Throws on a file that is not a little-endian jitdump. */
export function parseJitdump(bytes: Uint8Array): Jitdump {
  if (bytes.length < HEADER_MIN) throw new Error(`jitdump: ${bytes.length} bytes, shorter than the ${HEADER_MIN}-byte header`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = dv.getUint32(0, true);
  if (magic === MAGIC_SWAPPED) throw new Error("jitdump: big-endian dump, not supported");
  if (magic !== MAGIC) throw new Error(`jitdump: bad magic 0x${magic.toString(16)} (expected 0x${MAGIC.toString(16)}, "JiTD")`);
  const headerSize = dv.getUint32(8, true);
  const pid = dv.getUint32(20, true);
  const timeNs = u64(dv, 24);
  const flags = dv.getBigUint64(32, true);
  const text = new TextDecoder();
  const cstr = (from: number, limit: number): [string, number] => {
    let e = from;
    while (e < limit && bytes[e] !== 0) e++;
    return [text.decode(bytes.subarray(from, e)), e + 1];
  };
  const regions: JitRegion[] = [];
  const byIndex = new Map<number, JitRegion>();
  // DEBUG_INFO precedes the load of the same code address (the spec's order).
  const pendingLines = new Map<number, JitRegion["lines"]>();
  let o = Math.max(HEADER_MIN, headerSize);
  let seq = 0;
  while (o + 16 <= bytes.length) {
    const id = dv.getUint32(o, true);
    const size = dv.getUint32(o + 4, true);
    const t = u64(dv, o + 8);
    if (size < 16 || o + size > bytes.length) break;
    const end = o + size;
    if (id === REC.load && size >= 56) {
      // pid, tid, vma, code_addr, code_size, code_index, name\0, code bytes
      const codeAddr = u64(dv, o + 32);
      const codeSize = u64(dv, o + 40);
      const codeIndex = u64(dv, o + 48);
      const [raw] = cstr(o + 56, end);
      const r: JitRegion = { start: codeAddr, end: codeAddr + codeSize, timeNs: t, seq: seq++, codeIndex, raw, lines: pendingLines.get(codeAddr) ?? [] };
      pendingLines.delete(codeAddr);
      regions.push(r);
      byIndex.set(codeIndex, r);
    } else if (id === REC.move && size >= 64) {
      // pid, tid, vma, old_code_addr, new_code_addr, code_size, code_index
      const newAddr = u64(dv, o + 40);
      const codeSize = u64(dv, o + 48);
      const codeIndex = u64(dv, o + 56);
      const was = byIndex.get(codeIndex);
      const shift = was ? newAddr - was.start : 0;
      const r: JitRegion = { start: newAddr, end: newAddr + codeSize, timeNs: t, seq: seq++, codeIndex, raw: was?.raw ?? `(moved code #${codeIndex})`, lines: (was?.lines ?? []).map((l) => ({ ...l, addr: l.addr + shift })) };
      regions.push(r);
      byIndex.set(codeIndex, r);
    } else if (id === REC.debugInfo && size >= 32) {
      const codeAddr = u64(dv, o + 16);
      const n = u64(dv, o + 24);
      const lines: JitRegion["lines"] = [];
      let p = o + 32;
      for (let k = 0; k < n && p + 16 <= end; k++) {
        const addr = u64(dv, p);
        const line = dv.getUint32(p + 8, true);
        const [file, next] = cstr(p + 16, end);
        lines.push({ addr, line, file });
        p = next;
      }
      lines.sort((a, b) => a.addr - b.addr);
      pendingLines.set(codeAddr, lines);
    } else if (id === REC.close) {
      o = end;
      break;
    }
    // UNWINDING_INFO and unknown record types: skipped by their size.
    o = end;
  }
  return { pid, timeNs, clock: flags & FLAG_ARCH_TIMESTAMP ? "tsc" : "monotonic", regions, truncatedBytes: bytes.length - o };
}

/** Addresses fit a double exactly below 2^53 (user space is below 2^47). */
function u64(dv: DataView, at: number): number {
  return Number(dv.getBigUint64(at, true));
}

/** The dump files in `dir` that belong to `pid`: jit-<tid>-<pid>.dump (JSC) or jit-<pid>.dump (the spec's example). */
export function jitdumpFiles(dir: string, pid: number): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => n === `jit-${pid}.dump` || new RegExp(`^jit-\\d+-${pid}\\.dump$`).test(n)).map((n) => join(dir, n));
}

/** Reads and merges every dump of `pid` in `dir` (header pid checked). */
export function readJitdumps(dir: string, pid: number): Jitdump {
  const dumps = jitdumpFiles(dir, pid).map((f) => parseJitdump(readFileSync(f))).filter((d) => d.pid === pid);
  const regions = dumps.flatMap((d) => d.regions);
  regions.forEach((r, i) => (r.seq = i));
  return {
    pid,
    timeNs: Math.min(...dumps.map((d) => d.timeNs), Infinity),
    clock: dumps.some((d) => d.clock === "tsc") ? "tsc" : "monotonic",
    regions,
    truncatedBytes: dumps.reduce((s, d) => s + d.truncatedBytes, 0),
  };
}

/** Finds the JIT code behind an address. */
export class JitIndex {
  private pages = new Map<number, JitRegion[]>();
  readonly size: number;

  /** `useTime` false (a TSC-stamped dump): every lookup takes the newest covering region. */
  constructor(regions: readonly JitRegion[], private readonly useTime = true) {
    this.size = regions.length;
    for (const r of regions) {
      if (!(r.end > r.start)) continue;
      for (let p = Math.floor(r.start / 2 ** PAGE_BITS); p <= Math.floor((r.end - 1) / 2 ** PAGE_BITS); p++) {
        let list = this.pages.get(p);
        if (!list) this.pages.set(p, (list = []));
        list.push(r);
      }
    }
  }

  /**
   * The region covering `addr`: the newest loaded at or before `timeNs`, else
   * (the sample precedes every load there, or times are not comparable) the newest covering one.
   */
  lookup(addr: number, timeNs?: number): JitRegion | null {
    const list = this.pages.get(Math.floor(addr / 2 ** PAGE_BITS));
    if (!list) return null;
    let before: JitRegion | null = null, any: JitRegion | null = null;
    for (const r of list) {
      if (addr < r.start || addr >= r.end) continue;
      if (!any || newer(r, any)) any = r;
      if (this.useTime && timeNs !== undefined && r.timeNs <= timeNs && (!before || newer(r, before))) before = r;
    }
    return before ?? any;
  }
}

const newer = (a: JitRegion, b: JitRegion) => a.timeNs > b.timeNs || (a.timeNs === b.timeNs && a.seq > b.seq);

/** The JS tiers: their records name a JS function; every other tier is JSC's own machinery (thunks, inline caches, OSR). */
const JS_TIERS = new Set(["Baseline", "DFG", "FTL", "BBQ", "OMG", "IPInt", "LLInt"]);

/** A jitdump name split: "JSC-FTL: hotA#AoczaP" → { tier: "FTL", name: "hotA", js: true }. */
export function jitName(raw: string): { tier: string; name: string; js: boolean } {
  const m = /^JSC-([^:]+): (.*)$/s.exec(raw);
  if (!m) return { tier: "", name: raw, js: false };
  const tier = m[1]!;
  const name = m[2]!.replace(/#[0-9A-Za-z]{6}$/, "");
  return { tier, name, js: JS_TIERS.has(tier) };
}
