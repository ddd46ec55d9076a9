/**
 * The doctor's figures, as a pure function of a bundle's readings
 * (diagnoseInputs): every fraction is a part of its whole, CPU figures are
 * on-CPU time, and a neighbour's hold on the core is reported beside them.
 * The verdicts on real captures are regimes.test.ts.
 */
import { describe, expect, test } from "bun:test";
import type { Meta } from "../../scripts/profile/bundle.ts";
import { cpuInputs, type DoctorInputs, diagnoseInputs, type Diagnosis, loopTimerResolutionS } from "../../scripts/profile/doctor.ts";
import { summarizeGc, type GcCycle } from "../../scripts/profile/gc-log.ts";
import { cpuFigures, type CpuReading } from "../../scripts/profile/proc-stat.ts";

const base = (over: Partial<DoctorInputs> = {}): DoctorInputs => ({
  windowMs: 1000,
  requests: 100,
  cpu: { source: "/proc schedstat", windowMs: 1000, jsOnCpuMs: 200, runQueueWaitMs: 5, processCpuMs: 250, threadsOnCpuMs: 240, gcThreadsOnCpuMs: 20 },
  profileMs: 200,
  profileIsOnCpu: true,
  profileTop: "work",
  serviceMs: 3,
  lockWaitMs: 0,
  lockName: null,
  lockTop: null,
  mutexFraction: 10,
  gcWallFraction: 0.02,
  pauseFraction: 0.01,
  maxPauseMs: 2,
  bytesPerRequest: 1000,
  loopP50Ms: 0.1,
  loopMaxMs: 5,
  blockMs: 0,
  loadHeld: true,
  loadReasons: [],
  hostBusy: {},
  crossCheck: null,
  ...over,
});

const evidence = (d: Diagnosis) => Object.fromEntries(d.evidence.map((e) => [e.name, e.value]));

describe("doctor figures", () => {
  test("a hogged core: on-CPU time is the busy figure, the wait is beside it and named", () => {
    // The JS thread ran 400 ms and waited 500 ms for its core; the rest of the process used 20 ms.
    const d = diagnoseInputs(base({ cpu: { source: "/proc schedstat", windowMs: 1000, jsOnCpuMs: 400, runQueueWaitMs: 500, processCpuMs: 420, threadsOnCpuMs: 420, gcThreadsOnCpuMs: 10 }, serviceMs: 9.5 }));
    const e = evidence(d);
    expect({
      busy: e["JS thread on CPU / window"],
      waitMs: e["JS thread waiting to run (run queue; not CPU time)"],
      waitShare: e["JS thread waiting to run / window"],
      perRequestUs: e["JS thread on CPU per request"],
      note: d.notes.find((n) => n.startsWith("the server's core was shared")),
    }).toEqual({ busy: 0.4, waitMs: 500, waitShare: 0.5, perRequestUs: 4000, note: expect.stringContaining("500 ms (50% of the window) waiting to run — another process held its core") });
    // 0.4 on CPU is not "≥ 0.75 busy", whatever the wait: that rule no longer counts the neighbour's time.
    expect(d.evidence.find((x) => x.name === "JS thread on CPU / window")!.met).toBe(false);
  });

  test("GC figures: wall time and pauses of the window, the GC threads' share of the process's on-CPU time", () => {
    const d = diagnoseInputs(base({ gcWallFraction: 0.24, pauseFraction: 0.09, cpu: { source: "/proc schedstat", windowMs: 1000, jsOnCpuMs: 127, runQueueWaitMs: 33, processCpuMs: 424, threadsOnCpuMs: 420, gcThreadsOnCpuMs: 290 } }));
    const e = evidence(d);
    expect({ regime: d.regime, wall: e["GC wall time / window"], pause: e["GC pause (JS thread stopped) / window"], share: e["GC threads' on-CPU / all the process's threads' on-CPU"], because: d.because }).toEqual({
      regime: "gc",
      wall: 0.24,
      pause: 0.09,
      share: 0.69,
      because: "GC threads' on-CPU / all the process's threads' on-CPU 0.69",
    });
  });

  test("no GC-thread readings: no GC CPU share is printed, and its rule cannot fire", () => {
    const d = diagnoseInputs(base({ gcWallFraction: 0.2, cpu: { ...base().cpu, threadsOnCpuMs: null, gcThreadsOnCpuMs: null } }));
    expect({ share: evidence(d)["GC threads' on-CPU / all the process's threads' on-CPU"], regime: d.regime }).toEqual({ share: null, regime: "none" });
  });

  test("property: over consistent readings, every fraction is ≤ 1 and the GC pause ≤ the GC wall time", () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const FRACTIONS = ["GC wall time / window", "GC pause (JS thread stopped) / window", "GC threads' on-CPU / all the process's threads' on-CPU", "JS thread on CPU / window", "JS thread waiting to run / window"];
    for (let k = 0; k < 200; k++) {
      const windowMs = 500 + rand() * 2000;
      // The JS thread: on CPU, waiting, or asleep, in some split of the window; other threads any amount.
      const on = rand() * windowMs, wait = rand() * (windowMs - on);
      const threads = (t: number, js: number, w: number, helper: number, other: number): CpuReading => ({ t, processMs: Math.floor((js + helper + other) / 10) * 10, threadMs: js, threadRunqMs: w, threads: { 1: { name: "bun", onCpuMs: js, runQueueMs: w }, 2: { name: "HeapHelper", onCpuMs: helper, runQueueMs: 0 }, 3: { name: "JITWorker", onCpuMs: other, runQueueMs: 0 } } });
      const helper = rand() * windowMs * 2, other = rand() * windowMs;
      const f = cpuFigures(threads(0, 0, 0, 0, 0), threads(windowMs, on, wait, helper, other), 100);
      // GC cycles stamped anywhere in and around the window, some in bursts.
      const cycles: GcCycle[] = Array.from({ length: Math.floor(rand() * 40) }, () => {
        const pauseMs = rand() * 30;
        return { atMs: rand() < 0.3 ? windowMs * 0.9 : -100 + rand() * (windowMs + 200), kind: "Full", heapBeforeBytes: 2e6, heapAfterBytes: 1e6, pauseMs, overheadMs: rand(), maxPauseMs: pauseMs, cycleMs: rand() * 200, allocatedBytes: 1e6 };
      });
      const gc = summarizeGc(cycles, windowMs, 100);
      const d = diagnoseInputs(base({ windowMs, cpu: { source: "/proc", windowMs: f.windowMs, jsOnCpuMs: f.jsThreadOnCpuMs, runQueueWaitMs: f.jsThreadRunQueueWaitMs, processCpuMs: f.processCpuMs, threadsOnCpuMs: f.threadsOnCpuMs, gcThreadsOnCpuMs: f.gcThreadsOnCpuMs }, gcWallFraction: gc.gcWallFraction, pauseFraction: gc.pauseFraction }));
      const e = evidence(d);
      const bad = FRACTIONS.filter((n) => e[n] !== null && !(e[n]! >= 0 && e[n]! <= 1));
      if (!(gc.pauseMs! <= gc.gcWallMs!)) bad.push("pause > wall");
      if (!(f.jsThreadOnCpuMs! + f.jsThreadRunQueueWaitMs! <= f.windowMs + 1e-6)) bad.push("on + wait > window");
      expect({ k, bad }).toEqual({ k, bad: [] });
    }
  });

  test("an older bundle's meta.json (cores only) still gives on-CPU ms; a weighted CPU profile stands in when there is no pid", () => {
    const meta = { duration: { windowMs: 2000 }, serverCpu: { source: "/proc", threadCores: 0.5, threadRunqueue: 0.1, processCores: 0.6, perSecond: [] } } as unknown as Meta;
    expect(cpuInputs(meta, null)).toMatchObject({ windowMs: 2000, jsOnCpuMs: 1000, runQueueWaitMs: 200, processCpuMs: 1200, threadsOnCpuMs: null });
    const noPid = { duration: { windowMs: 2000 }, serverCpu: { source: "unknown", threadCores: null, threadRunqueue: null, processCores: null, perSecond: [] } } as unknown as Meta;
    const weighted = { sampleTypes: [{ type: "samples", unit: "count" }, { type: "cpu", unit: "nanoseconds" }], defaultIndex: 1, period: 0, periodType: null, durationNanos: 0, timeNanos: 0, samples: [{ stack: [], values: [1, 700e6], labels: {} }], comments: ["cpu/nanoseconds is the JS thread's on-CPU time from schedstat: 700.0 ms in this window", "run-queue wait (runnable, not running: another process had the core): 12.5 ms, not included"] };
    expect(cpuInputs(noPid, weighted)).toMatchObject({ jsOnCpuMs: 700, runQueueWaitMs: 12.5 });
    expect(cpuInputs(noPid, { ...weighted, comments: ["JSC sampling profiler at 100 Hz; idle time is not sampled"] })).toMatchObject({ jsOnCpuMs: null });
  });

  test("a sample-count profile whose total is far from the on-CPU time says its times are not CPU time", () => {
    const d = diagnoseInputs(base({ profileMs: 370, profileIsOnCpu: false }));
    expect(d.notes.find((n) => n.startsWith("cpu.pprof's total"))).toBe("cpu.pprof's total (samples × period) is 1.85× the JS thread's on-CPU time: its times are not CPU time (read its shares)");
  });

  test("event-loop delay is lateness: gauges of whole timer intervals have their resolution taken off", () => {
    const intervals = "# HELP nodejs_eventloop_lag_p50_seconds The p50 of event-loop timer intervals (10 ms resolution plus lag) since the last scrape, in seconds.\n";
    const delays = "# HELP nodejs_eventloop_lag_p50_seconds The 50th percentile of the recorded event loop delays.\n";
    expect([loopTimerResolutionS(intervals), loopTimerResolutionS(delays), loopTimerResolutionS("")]).toEqual([0.01, 0, 0]);
  });
});
