/**
 * Records one thread of a running Bun process with `perf record` and turns
 * it into a gzipped pprof. perf starts with its events off (-D -1) and is
 * switched on and off through a control FIFO, so the window is exactly the
 * caller's: the thread's /proc schedstat is read at both ends, and a
 * cpu-clock profile's total must match it (it counts CPU time, on-CPU only).
 * The process must have been started with jitDumpEnv(dir) for JIT names.
 */
import { mkdtempSync, openSync, closeSync, readFileSync, readlinkSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FlatProfile } from "../../../src/admin/pprof.ts";
import { schedstatNs } from "../proc-stat.ts";
import { JitIndex, readJitdumps } from "./jitdump.ts";
import { parsePerfScript, PERF_SCRIPT_FIELDS } from "./perf-script.ts";
import { symbolize, toPprof, type SymbolizeStats } from "./symbolize.ts";
import { PERF_DEFAULTS } from "../../../src/config.ts";

/** The environment a Bun process needs for perf to name its JIT frames. */
export function jitDumpEnv(dir: string): Record<string, string> {
  return { BUN_JSC_useJITDump: "1", BUN_JSC_jitDumpDirectory: dir };
}

export interface PerfOptions {
  pid: number;
  /** Default: pid (Bun's JS runs on the main thread). */
  tid?: number;
  /** The directory given to the process as BUN_JSC_jitDumpDirectory. */
  jitdumpDir: string;
  hz?: number;
  event?: string;
  /** The perf binary (default: perf on PATH). */
  perf?: string;
}

export interface PerfResult {
  /** Gzipped pprof. */
  bytes: Uint8Array;
  samples: FlatProfile["samples"];
  stats: SymbolizeStats;
  /** perf's window: from events on to events off. */
  windowNs: number;
  /** The thread's on-CPU ns over the window, by /proc/<pid>/task/<tid>/schedstat (null if unreadable). */
  schedstatNs: number | null;
  /** How perf was run (its temp paths left out). */
  command: string;
  jitRegions: number;
  /** perf's own messages (stderr), for when something looks off. */
  log: string;
}

/** A perf record running against one thread, events off until enable(). */
export interface PerfSession {
  readonly command: string;
  /** Switches the events on; resolves once perf says they are. */
  enable(): Promise<void>;
  /** Switches them off and ends perf record (perf.data complete). */
  stop(): Promise<void>;
  /** After stop: perf script, the jitdump, the pprof. Removes perf's temp files. */
  result(): Promise<PerfResult>;
  /** Ends perf (if running) and removes its temp files, without a result. */
  discard(): void;
}

/** Starts `perf record` on the thread with its events off; resolves when perf is ready. */
export async function openPerf(o: PerfOptions): Promise<PerfSession> {
  const tid = o.tid ?? o.pid;
  const hz = o.hz ?? PERF_DEFAULTS.hz;
  const event = o.event ?? PERF_DEFAULTS.event;
  const perf = o.perf ?? "perf";
  const work = mkdtempSync(join(tmpdir(), "enrich-perf-"));
  const data = join(work, "perf.data");
  const ctl = join(work, "ctl");
  const mk = Bun.spawnSync(["mkfifo", ctl], { stderr: "pipe" });
  if (mk.exitCode !== 0) {
    rmSync(work, { recursive: true, force: true });
    throw new Error(`mkfifo: ${mk.stderr.toString().trim() || `exit ${mk.exitCode}`}`);
  }
  // O_RDWR: opening a FIFO this way never blocks, whether or not perf has opened it yet.
  const ctlFd = openSync(ctl, "r+");
  const shown = ["perf", "record", "-e", event, "-F", String(hz), "-k", "CLOCK_MONOTONIC", "--call-graph", "fp", "-t", String(tid)];
  const args = [perf, ...shown.slice(1), "-D", "-1", "--control", `fifo:${ctl}`, "-o", data];
  // The temp paths mean nothing once removed: the command as recorded says how the window was cut instead.
  const command = `${shown.join(" ")} -D -1 --control fifo:CTL (events on and off over a control FIFO)`;
  // Read now: the process may be gone by the time the samples are named.
  const exe = exePath(o.pid);
  const proc = Bun.spawn(args, { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  const log = new StderrWatch(proc.stderr);
  let exited = false;
  void proc.exited.then(() => (exited = true));
  let schedA: number | null = null, schedB: number | null = null;
  let t0 = 0, t1 = 0, startedAtMs = 0;
  let stopped = false;
  const cleanup = () => {
    try {
      closeSync(ctlFd);
    } catch {}
    rmSync(work, { recursive: true, force: true });
  };
  const fail = (what: string) => new Error(`perf record ${what}: ${log.text.trim().split("\n").slice(-3).join(" | ") || "no output"}`);
  try {
    // With -D -1 perf prints "Events disabled" once it is attached and waiting.
    await log.waitFor(/Events disabled/, PERF_DEFAULTS.stepTimeoutMs, proc.exited);
  } catch {
    proc.kill("SIGKILL");
    cleanup();
    throw fail(exited ? `exited with ${proc.exitCode}` : "did not start");
  }
  return {
    command,
    async enable() {
      const mark = log.text.length;
      writeSync(ctlFd, "enable\n");
      await log.waitFor(/Events enabled/, PERF_DEFAULTS.stepTimeoutMs, proc.exited, mark).catch(() => {
        throw fail("did not enable its events");
      });
      schedA = schedstatNs(o.pid, tid);
      t0 = performance.now();
      startedAtMs = Date.now();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      schedB = schedstatNs(o.pid, tid);
      t1 = performance.now();
      const mark = log.text.length;
      if (!exited) {
        writeSync(ctlFd, "disable\n");
        await log.waitFor(/Events disabled/, 5_000, proc.exited, mark).catch(() => {});
        proc.kill("SIGINT");
      }
      const code = await withTimeout(proc.exited, PERF_DEFAULTS.stepTimeoutMs, () => proc.kill("SIGKILL"));
      if (code === null) throw fail("did not exit after SIGINT (killed)");
      // SIGINT ends perf record normally (exit 0 or 130 depending on version); anything else lost the data.
      if (code !== 0 && code !== 130) throw fail(`exited with ${code}`);
    },
    async result() {
      if (!stopped) throw new Error("perf: result() before stop()");
      try {
        const script = Bun.spawn([perf, "script", "-i", data, ...PERF_SCRIPT_FIELDS, "--no-inline"], { stdout: "pipe", stderr: "pipe" });
        const [text, err, code] = await Promise.all([new Response(script.stdout).text(), new Response(script.stderr).text(), withTimeout(script.exited, PERF_DEFAULTS.stepTimeoutMs, () => script.kill("SIGKILL"))]);
        if (code !== 0) throw new Error(`perf script exited with ${code}: ${err.trim().split("\n").slice(-3).join(" | ")}`);
        const { samples } = parsePerfScript(text);
        const dump = readJitdumps(o.jitdumpDir, o.pid);
        const index = new JitIndex(dump.regions, dump.clock === "monotonic");
        const sym = symbolize(samples, index, { tid, exe });
        const windowNs = (t1 - t0) * 1e6;
        const sched = schedA !== null && schedB !== null ? schedB - schedA : null;
        const bytes = toPprof(sym.samples, sym.stats, { pid: o.pid, tid, event, hz, command, windowNs, startedAtMs, jitdump: { dir: o.jitdumpDir, regions: dump.regions.length }, schedstatNs: sched });
        return { bytes, samples: sym.samples, stats: sym.stats, windowNs, schedstatNs: sched, command, jitRegions: dump.regions.length, log: log.text + err };
      } finally {
        cleanup();
      }
    },
    discard() {
      if (!exited) proc.kill("SIGKILL");
      cleanup();
    },
  };
}

/**
 * Records `seconds` of the thread and returns its pprof. An abort signal ends
 * the window early (the profile covers what was recorded).
 */
export async function recordPerf(o: PerfOptions & { seconds: number; signal?: AbortSignal }): Promise<PerfResult> {
  const s = await openPerf(o);
  try {
    await s.enable();
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, o.seconds * 1000);
      o.signal?.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
    });
    await s.stop();
  } catch (e) {
    s.discard();
    throw e;
  }
  return s.result();
}

let usable: Promise<{ ok: boolean; why?: string }> | null = null;

/**
 * Whether perf can record another thread here: a 0.2 s cpu-clock recording of
 * this process's main thread, read back with perf script. Checked once per process.
 */
const PROBE_TIMEOUT_MS = 60_000;

export function perfUsable(): Promise<{ ok: boolean; why?: string }> {
  usable ??= (async () => {
    if (process.platform !== "linux") return { ok: false, why: `perf_events is Linux-only (this is ${process.platform})` };
    if (!Bun.which("perf")) return { ok: false, why: "perf not found on PATH (Debian: apt-get install linux-perf)" };
    const work = mkdtempSync(join(tmpdir(), "enrich-perf-check-"));
    // Generous: on a busy machine perf's start-up alone (kallsyms, maps) took 3–15 s; a slow probe is not an unusable perf.
    try {
      const data = join(work, "check.data");
      const rec = Bun.spawn(["perf", "record", "-e", PERF_DEFAULTS.event, "-F", "99", "-k", "CLOCK_MONOTONIC", "--call-graph", "fp", "-t", String(process.pid), "-o", data, "--", "sleep", "0.2"], { stdout: "ignore", stderr: "pipe" });
      const [err, code] = await Promise.all([new Response(rec.stderr).text(), withTimeout(rec.exited, PROBE_TIMEOUT_MS, () => rec.kill("SIGKILL"))]);
      if (code !== 0) return { ok: false, why: `perf record failed (exit ${code}): ${firstError(err)}` };
      const script = Bun.spawn(["perf", "script", "-i", data, ...PERF_SCRIPT_FIELDS], { stdout: "ignore", stderr: "pipe" });
      const [err2, code2] = await Promise.all([new Response(script.stderr).text(), withTimeout(script.exited, PROBE_TIMEOUT_MS, () => script.kill("SIGKILL"))]);
      if (code2 !== 0) return { ok: false, why: `perf script failed (exit ${code2}): ${firstError(err2)}` };
      return { ok: true };
    } catch (e) {
      return { ok: false, why: (e as Error).message };
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  })();
  return usable;
}

function exePath(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return undefined;
  }
}

function firstError(stderr: string): string {
  const lines = stderr.split("\n").map((l) => l.trim()).filter(Boolean);
  const i = Math.max(0, lines.findIndex((l) => /error|not found|denied|permission|paranoid|WARNING/i.test(l)));
  // perf often says "Error:" on one line and what went wrong on the next.
  const said = lines[i]?.endsWith(":") ? lines.slice(i, i + 2).join(" ") : lines[i];
  return (said ?? "no output").slice(0, 300);
}

/** Resolves with p's value, or after ms calls onTimeout and resolves with null. */
async function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => void): Promise<T | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const r = await Promise.race([p, new Promise<null>((resolve) => (timer = setTimeout(() => (onTimeout(), resolve(null)), ms)))]);
  clearTimeout(timer);
  return r;
}

/** Collects a child's stderr and lets callers wait for a line. */
class StderrWatch {
  text = "";
  private waiters = new Set<() => void>();

  constructor(stream: ReadableStream<Uint8Array>) {
    void (async () => {
      const dec = new TextDecoder();
      try {
        for await (const chunk of stream) {
          this.text += dec.decode(chunk, { stream: true });
          for (const w of this.waiters) w();
        }
      } catch {}
      for (const w of this.waiters) w();
    })();
  }

  /** Resolves when `re` matches the text after `from`; rejects after ms or when `exited` settles first. */
  waitFor(re: RegExp, ms: number, exited: Promise<unknown>, from = 0): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (re.test(this.text.slice(from))) done(resolve);
      };
      const done = (f: () => void) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        f();
      };
      const timer = setTimeout(() => done(() => reject(new Error(`timed out waiting for ${re}`))), ms);
      this.waiters.add(check);
      // perf may print its last words and exit at once: look once more after the exit.
      void exited.then(() => setTimeout(() => (check(), done(() => reject(new Error("perf exited")))), 50));
      check();
    });
  }
}
