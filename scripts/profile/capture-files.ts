/**
 * A capture's bundle files: every profile fetched in the window as the
 * service served it (plus cpu.cpuprofile converted from cpu.pprof), the
 * window's histograms and load result, and the GC summary. Each file, written
 * or missed, is recorded for meta.json.
 */
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodePprof, flatten } from "../../src/admin/pprof.ts";
import { type LoadResult, writeHistOut } from "../../src/load/index.ts";
import type { Fetched } from "./admin-client.ts";
import { BUNDLE, type CaptureOptions, type FileRecord } from "./bundle.ts";
import type { WindowCapture, Say } from "./capture-window.ts";
import { sampleTimes, toCpuProfile } from "./cpuprofile.ts";
import { gcFromMetrics, type GcLine, parseGcLog, summarizeGc, type GcSummary } from "./gc-log.ts";
import type { CapturePerf } from "./perf/capture-perf.ts";
import { parseProm } from "./prom.ts";
import type { RunningServer } from "./server.ts";

export interface Bundle {
  dir: string;
  /** What meta.json's files says, in the order written. */
  files: Record<string, FileRecord>;
  put(name: string, data: Uint8Array | string, source: string): void;
  miss(name: string, error: string): void;
}

/** openBundle makes the bundle directory; put writes a file and records it, miss records why one is absent. */
export function openBundle(dir: string, say: Say): Bundle {
  mkdirSync(dir, { recursive: true });
  const files: Record<string, FileRecord> = {};
  return {
    dir,
    files,
    put(name, data, source) {
      writeFileSync(join(dir, name), data);
      files[name] = { ok: true, bytes: typeof data === "string" ? Buffer.byteLength(data) : data.length, source };
    },
    miss(name, error) {
      files[name] = { ok: false, bytes: 0, source: "", error };
      say(`  ${name}: not captured (${error})`);
    },
  };
}

export interface Captured {
  w: WindowCapture;
  heap: Fetched;
  snapshot: Fetched | null;
  full: LoadResult;
  /** The window cut out of the load run (window.ts), and the requests answered in it. */
  win: LoadResult;
  requests: number;
}

/** writeProfiles writes the profiles and /metrics, in the order meta.json lists them. */
export async function writeProfiles(b: Bundle, o: CaptureOptions, c: Captured, perf: CapturePerf): Promise<void> {
  const { w } = c;
  const { put, miss } = b;
  if (w.cpu.ok) {
    put(BUNDLE.cpu, w.cpu.bytes, "GET /debug/pprof/profile (format=pprof)");
    try {
      const flat = flatten(decodePprof(w.cpu.bytes));
      put(BUNDLE.cpuprofile, JSON.stringify(toCpuProfile(flat)), `converted from cpu.pprof (same samples, ${sampleTimes(flat) ? "at their real times" : "no sample times in it: one period apart"})`);
    } catch (e) {
      miss(BUNDLE.cpuprofile, `cpu.pprof did not decode: ${(e as Error).message}`);
    }
  } else {
    miss(BUNDLE.cpu, w.cpu.error!);
    miss(BUNDLE.cpuprofile, "no CPU profile");
  }
  if (c.heap.ok) put(BUNDLE.heap, c.heap.bytes, "GET /debug/pprof/heap?format=pprof, right after the window");
  else miss(BUNDLE.heap, c.heap.error!);
  await perf.write(put, miss, BUNDLE.perf);
  if (c.snapshot?.ok) put(BUNDLE.heapSnapshot, c.snapshot.bytes, "GET /debug/pprof/heap (V8 heap snapshot; not committed)");
  else if (c.snapshot) miss(BUNDLE.heapSnapshot, c.snapshot.error!);
  for (const [name, f, what] of [
    [BUNDLE.block, w.block, `GET /debug/pprof/block?seconds=W, rate ${o.blockRateMs} ms on from ${o.armMs} ms before the window until after it`],
    [BUNDLE.mutex, w.mutex, `GET /debug/pprof/mutex?seconds=W, fraction ${o.mutexFraction} on from ${o.armMs} ms before the window until after it`],
    [BUNDLE.trace, w.trace, "GET /debug/pprof/trace?seconds=T"],
    [BUNDLE.goroutine, w.goroutine, "GET /debug/pprof/goroutine?debug=1 at mid-window"],
  ] as const) {
    if (f.ok) put(name, f.bytes, what);
    else miss(name, f.error!);
  }
  if (w.metricsB.ok) put(BUNDLE.metrics, w.metricsB.bytes, "GET /metrics at the window's end");
  else miss(BUNDLE.metrics, w.metricsB.error!);
}

/** writeLoad writes the window's histograms and the whole load run. */
export function writeLoad(b: Bundle, c: Captured): void {
  const histFiles = writeHistOut(join(b.dir, BUNDLE.hist), c.win);
  for (const p of histFiles) b.files[p.slice(b.dir.length + 1)] = { ok: true, bytes: statSync(p).size, source: "load harness histograms, window = difference of two snapshots" };
  b.put(BUNDLE.load, JSON.stringify({ ...c.full, histograms: undefined }, null, 2) + "\n", "the whole load run (warmup, settle, window, tail) as `bun run load --json` prints it, histograms dropped");
}

/**
 * writeGc writes the GC summary: from the GC log of a service started here
 * (with its log and the window's GC lines), else from two /metrics scrapes.
 * Returns it with the two scrapes read.
 */
export function writeGc(b: Bundle, c: Captured, server: RunningServer | null, gcLines: GcLine[]): { gc: GcSummary; promA: Map<string, number>; promB: Map<string, number> } {
  const { w } = c;
  const promA = safeProm(w.metricsA);
  const promB = safeProm(w.metricsB);
  const gc = server ? summarizeGc(parseGcLog(gcLines, w.ws), w.windowEnd - w.ws, c.requests) : gcFromMetrics(promA, promB, w.windowEnd - w.ws, c.requests);
  b.put(BUNDLE.gc, JSON.stringify(gc, null, 2) + "\n", gc.source);
  if (server) {
    b.put(BUNDLE.serverLog, server.log().replace(/\n?$/, "\n"), "the service's stderr, GC log lines removed");
    const inWindow = gcLines.filter((l) => l.t >= w.ws && l.t <= w.windowEnd).map((l) => `${(l.t - w.ws).toFixed(1).padStart(8)} ${l.text}`);
    b.put(BUNDLE.gcLog, inWindow.join("\n") + "\n", "BUN_JSC_logGC=1 lines read during the window, each prefixed with ms since the window start (read time)");
  }
  return { gc, promA, promB };
}

function safeProm(f: Fetched): Map<string, number> {
  if (!f.ok) return new Map();
  try {
    return parseProm(new TextDecoder().decode(f.bytes));
  } catch {
    return new Map();
  }
}
