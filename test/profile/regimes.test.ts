/**
 * The doctor's verdicts on bundles captured from purpose-made servers whose
 * bottleneck is known (test/profile/servers/regime-server.ts). Each capture
 * is a real run of scripts/profile's capture: real load, the real admin
 * port, the real GC log. The servers' bottlenecks are made wide (a lock that
 * caps the rate below the offered one, forced full collections over a big heap), so the verdicts do not hinge on timing
 * on a shared machine; no test asserts a latency or a rate.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BUNDLE, type Meta } from "../../scripts/profile/bundle.ts";
import { capture } from "../../scripts/profile/capture.ts";
import { diagnose, type Regime } from "../../scripts/profile/doctor.ts";
import type { GcSummary } from "../../scripts/profile/gc-log.ts";
import { scratch } from "../support/fixtures.ts";
import { PROJECT_ROOT as ROOT } from "../../src/root.ts";
import { testCapture } from "./support.ts";

const CORPUS = join(import.meta.dir, "servers/one-event.ndjson");

const CASES: { regime: Exclude<Regime, "none">; rps: number; why: string; durationMs?: number }[] = [
  { regime: "cpu", rps: 200, why: "4 ms of CPU per request at 200/s: the JS thread wants ~80% of a core and latency is its CPU" },
  { regime: "gc", rps: 50, why: "each request rewrites 1,000 slots of a 100k-object live graph and every 10th forces a full collection: the collector outworks the program" },
  { regime: "lock", rps: 200, why: "a lock held across a 6 ms await caps the server near 160/s; at 200/s requests queue on it while the CPU idles" },
  { regime: "io", rps: 200, why: "an 8 ms awaited timer per request with almost no CPU: time goes to waiting elsewhere" },
];

describe("doctor on purpose-made servers", () => {
  for (const c of CASES) {
    test(`${c.regime}: ${c.why}`, async () => {
      const out = scratch();
      const { dir } = await capture(
        testCapture({ rps: c.rps, ...(c.durationMs ? { durationMs: c.durationMs } : {}), out, name: c.regime, variant: `regime-${c.regime}`, corpus: CORPUS, serverCmd: [process.execPath, "test/profile/servers/regime-server.ts", "--regime", c.regime], serverCwd: ROOT }),
      );
      const d = await diagnose(dir);
      expect({ regime: d.regime, because: d.because }).toEqual({ regime: c.regime, because: expect.any(String) });
      // The deciding evidence is stated, not just the label.
      expect(d.evidence.some((e) => e.met)).toBe(true);
      // …and every figure is possible: a fraction within its whole, on-CPU and run-queue time within the window, pauses within GC wall time.
      const meta = JSON.parse(readFileSync(join(dir, BUNDLE.meta), "utf8")) as Meta;
      const gc = JSON.parse(readFileSync(join(dir, BUNDLE.gc), "utf8")) as GcSummary;
      const cpu = meta.serverCpu;
      expect({
        fractionsOver1: d.evidence.filter((e) => e.unit.startsWith("of ") && e.value !== null && !(e.value >= 0 && e.value <= 1)).map((e) => `${e.name} ${e.value}`),
        onCpuPlusWaitWithinWindow: cpu.jsThreadOnCpuMs! + cpu.jsThreadRunQueueWaitMs! <= cpu.windowMs! + 1,
        gcThreadsWithinThreads: cpu.gcThreadsOnCpuMs! <= cpu.threadsOnCpuMs!,
        pauseWithinGcWall: gc.pauseMs! <= gc.gcWallMs! && gc.gcWallMs! <= gc.windowMs,
      }).toEqual({ fractionsOver1: [], onCpuPlusWaitWithinWindow: true, gcThreadsWithinThreads: true, pauseWithinGcWall: true });
    }, 90_000);
  }
});
