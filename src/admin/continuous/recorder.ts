/**
 * The continuous profiler: on the schedule (schedule.ts), one window of every
 * kind → labelled pprof files in the directory (files.ts, label.ts) →
 * retention → optional push (push.ts). `cycle()` is one window; `start()`
 * loops on the clock. Nothing here knows real time or the real profilers:
 * both are injected, so tests drive many periods in no time.
 */
import { mkdirSync } from "node:fs";
import { captureComments, type CaptureLabels, labelProfile } from "./label.ts";
import { captureFileName, type Kind, prune, removeStaleTemps, type Retention, writeAtomic } from "./files.ts";
import { pushCapture } from "./push.ts";
import { type Clock, nextStart, validateSchedule, yieldToLoop } from "./schedule.ts";
import type { Sources } from "./sources.ts";

export interface RecorderOptions {
  dir: string;
  windowMs: number;
  everyMs: number;
  kinds: readonly Kind[];
  retention: Retention;
  /** Who is being profiled: variant, commit, host, worker (the time is added per window). */
  identity: Omit<CaptureLabels, "time">;
  hz: number;
  push?: { url: string; timeoutMs: number };
  clock: Clock;
  sources: Sources;
  /** One line per event worth a log line (files written, a push that failed). */
  log?: (line: string) => void;
}

/** What one window produced. */
export interface CycleResult {
  fromMs: number;
  untilMs: number;
  written: string[];
  pruned: string[];
  errors: string[];
  /** HTTP status per pushed kind, or why it was not pushed (absent without --profile-push). */
  pushed: Partial<Record<Kind, number | string>>;
}

export class ContinuousRecorder {
  private readonly abort = new AbortController();
  private loop: Promise<void> | null = null;
  /** Cycles run so far (for tests and the log). */
  cycles = 0;

  constructor(private readonly o: RecorderOptions) {
    const bad = validateSchedule(o.windowMs, o.everyMs);
    if (bad) throw new Error(`continuous profile: ${bad}`);
    if (o.kinds.length === 0) throw new Error("continuous profile: no kinds to capture");
    mkdirSync(o.dir, { recursive: true });
    removeStaleTemps(o.dir);
  }

  /** cycle captures one window now, writes its files, prunes, and pushes. */
  async cycle(): Promise<CycleResult> {
    const o = this.o;
    const fromMs = o.clock.now();
    const results = await o.sources.capture(o.windowMs, o.kinds, this.abort.signal);
    const untilMs = o.clock.now();
    const labels: CaptureLabels = { time: new Date(fromMs).toISOString(), ...o.identity };
    const comments = captureComments(labels, o.windowMs, o.everyMs);
    const r: CycleResult = { fromMs, untilMs, written: [], pruned: [], errors: [], pushed: {} };
    const labelled: { kind: Kind; bytes: Uint8Array; samples: number }[] = [];
    for (const k of results) {
      if (!k.bytes) {
        r.errors.push(`${k.kind}: ${k.error ?? "no profile"}`);
        continue;
      }
      try {
        // One step per task: a window's end must not hold the event loop past admission's --loop-stall.
        await yieldToLoop();
        const { bytes, samples } = labelProfile(k.bytes, labels, comments);
        const name = captureFileName({ startMs: fromMs, kind: k.kind, variant: o.identity.variant, commit: o.identity.commit, host: o.identity.host, worker: Number(o.identity.worker) });
        r.written.push(await writeAtomic(o.dir, name, bytes));
        labelled.push({ kind: k.kind, bytes, samples });
      } catch (e) {
        r.errors.push(`${k.kind}: ${(e as Error).message}`);
      }
    }
    await yieldToLoop();
    r.pruned = prune(o.dir, untilMs, o.retention);
    if (o.push) {
      for (const { kind, bytes, samples } of labelled) {
        // An empty window (no stall reached the block threshold) is on disk; a server learns nothing from it.
        if (samples === 0) {
          r.pushed[kind] = "skipped: no samples";
          continue;
        }
        try {
          r.pushed[kind] = await pushCapture({ url: o.push.url, kind, bytes, labels, fromMs, untilMs, hz: o.hz, timeoutMs: o.push.timeoutMs });
          if (r.pushed[kind] !== 200 && r.pushed[kind] !== 204) r.errors.push(`push ${kind}: HTTP ${r.pushed[kind]}`);
        } catch (e) {
          r.pushed[kind] = (e as Error).message;
          r.errors.push(`push ${kind}: ${(e as Error).message}`);
        }
      }
    }
    this.cycles++;
    o.log?.(`continuous profile: ${r.written.length} file(s) for ${labels.time}${r.pruned.length ? `, ${r.pruned.length} pruned` : ""}${r.errors.length ? `; ${r.errors.join("; ")}` : ""}`);
    return r;
  }

  /** start runs cycles on the schedule until stop(); `maxCycles` bounds it (tests). */
  start(maxCycles = Infinity): Promise<void> {
    if (this.loop) return this.loop;
    const { clock, everyMs } = this.o;
    const signal = this.abort.signal;
    this.loop = (async () => {
      let last = -Infinity;
      for (let n = 0; n < maxCycles && !signal.aborted; n++) {
        const now = clock.now();
        // Strictly after the last window's start: two windows never share a name.
        const at = nextStart(Math.max(now, last + 1), everyMs);
        await clock.sleep(at - now, signal);
        last = at;
        if (signal.aborted) break;
        try {
          await this.cycle();
        } catch (e) {
          this.o.log?.(`continuous profile: window failed: ${(e as Error).message}`);
        }
      }
    })();
    return this.loop;
  }

  /** stop ends the loop: an open window is cut short and still written. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }
}
