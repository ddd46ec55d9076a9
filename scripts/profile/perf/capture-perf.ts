/**
 * perf.pprof in a capture (scripts/profile/capture.ts): decide once whether
 * perf can run, give the service the jitdump environment, open perf (events
 * off) while the capture arms, switch it on and off at the window's edges,
 * and write the profile after the load stops, so perf script's CPU is spent
 * outside the window. Every step that fails turns into the file's reason.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jitDumpEnv, openPerf, perfUsable, type PerfSession } from "./record.ts";
import { PERF_DEFAULTS } from "../../../src/config.ts";

export interface CapturePerf {
  /** Extra environment for the service (empty when perf is off). */
  env: Record<string, string>;
  /** What meta.json's sampling.perf says. */
  sampling(): string;
  /** Opens perf on the service's JS thread, events off (call at the arm step; does not wait). */
  arm(pid: number | null): void;
  /** At the window's start: events on. Never throws. */
  start(): Promise<void>;
  /** At the window's end: events off (the cut is made before its first await). */
  stop(): Promise<void>;
  /** After the load: perf.pprof, or its reason. */
  write(put: (name: string, data: Uint8Array, source: string) => void, miss: (name: string, error: string) => void, name: string): Promise<void>;
  /** Ends perf if still running and removes the jitdump directory (it grows with every compiled function). */
  close(): void;
}

/** perf for a capture that starts the service itself; off, with the reason, for an external service or when switched off. */
export async function capturePerf(o: { external: boolean; off?: boolean; hz?: number }): Promise<CapturePerf> {
  const hz = o.hz ?? PERF_DEFAULTS.hz;
  let why: string | null = null;
  if (o.off) why = "perf off (--no-perf)";
  else if (o.external) why = "perf not usable: the service was not started by this capture (--url), so it has no jitdump";
  else {
    const u = await perfUsable();
    if (!u.ok) why = `perf not usable: ${u.why}`;
  }
  const dir = why ? null : mkdtempSync(join(tmpdir(), "enrich-jitdump-"));
  let opening: Promise<PerfSession> | null = null;
  let session: PerfSession | null = null;
  let stopping: Promise<void> | null = null;
  let command = "";
  const failed = (step: string, e: unknown) => {
    why ??= `perf ${step}: ${(e as Error).message}`;
  };
  const stop = () => {
    if (!session) return Promise.resolve();
    stopping ??= session.stop().catch((e) => failed("did not stop cleanly", e));
    return stopping;
  };
  return {
    env: dir ? jitDumpEnv(dir) : {},
    sampling: () =>
      why ??
      `Linux perf_events: ${command.replace(/ -D -1 .*$/, "") || `perf record -e ${PERF_DEFAULTS.event} -F ${hz} --call-graph fp -t PID`}, events on for exactly the capture window (control FIFO); JIT frames named from the service's jitdump (BUN_JSC_useJITDump=1); on-CPU only`,
    arm(pid) {
      if (!dir || why) return;
      if (!pid) {
        why = "perf not usable: no service pid";
        return;
      }
      opening = openPerf({ pid, jitdumpDir: dir, hz });
      opening.catch(() => {});
    },
    async start() {
      if (!opening) return;
      try {
        session = await opening;
        command = session.command;
        await session.enable();
      } catch (e) {
        failed("did not start", e);
        session?.discard();
        session = null;
      }
    },
    stop,
    async write(put, miss, name) {
      if (session && !why) {
        try {
          await stop();
          if (!why) {
            const r = await session.result();
            session = null;
            const sched = r.schedstatNs === null ? "" : `; thread on-CPU by schedstat ${(r.schedstatNs / 1e6).toFixed(0)} ms`;
            put(name, r.bytes, `${r.command.replace(/ -D -1 .*$/, "")}, on for the window: ${r.stats.samples} samples, ${(r.stats.cpuNs / 1e6).toFixed(0)} ms on CPU${sched}; ${r.stats.unresolvedJit}/${r.stats.jitFrames} JIT frames unresolved`);
            return;
          }
        } catch (e) {
          failed("output did not convert", e);
        }
      }
      miss(name, why ?? "perf not usable: not armed");
    },
    close() {
      session?.discard();
      session = null;
      // Armed but never started (the capture failed in between): end that perf too.
      opening?.then((s) => s.discard(), () => {});
      opening = null;
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
