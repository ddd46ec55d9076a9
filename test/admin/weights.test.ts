/**
 * How the sampler turns JSC's samples into CPU time (src/admin/sampler.ts,
 * run-clock.ts): exact cases with hand-made samples and clock readings.
 */
import { describe, expect, test } from "bun:test";
import { parseCpuList } from "../../src/admin/affinity.ts";
import { wasRunning } from "../../src/admin/run-clock.ts";
import { capWeights, OUTSIDE_JS, PeriodEstimate, type StackSample, weighWindow } from "../../src/admin/sampler.ts";

const f = (name: string) => ({ name, file: "x.ts", line: 1 });
const at = (t: number, name = "js"): StackSample => ({ t, frames: [f(name)] });

describe("weighWindow", () => {
  test("a sample taken while the thread ran stands for one period; one taken while it slept weighs nothing", () => {
    const running = new Set([10, 20]);
    const w = weighWindow([at(10, "hot"), at(20, "hot"), at(30, "stat")], 50e6, 0, 10, (s) => (running.has(s.t) ? 1 : 0));
    expect(w.samples.map((s) => [s.frames[0]!.name, s.cpuNs])).toEqual([["hot", 10e6], ["hot", 10e6], ["stat", 0]]);
    expect(w.jsNs).toBe(20e6);
  });

  test("samples with no JS frame are left to the outside-JS remainder", () => {
    const w = weighWindow([{ t: 1, frames: [] }, at(2)], 10e6, 0, 1, () => 1);
    expect(w.samples.length).toBe(1);
    expect(w.jsNs).toBe(1e6);
  });

  test("without the run clock, preempted time thins every sample alike", () => {
    // 30 ms on CPU, 10 ms preempted: each sample was on a CPU 3/4 of its period.
    const w = weighWindow([at(1), at(2)], 30e6, 10e6, 10);
    expect(w.samples.map((s) => s.cpuNs)).toEqual([7.5e6, 7.5e6]);
  });
});

describe("capWeights", () => {
  test("what the samples leave of the on-CPU time becomes one outside-JS sample; totals are exact", () => {
    const r = capWeights([{ ...at(1), cpuNs: 6e6 }, { ...at(2), cpuNs: 2e6 }], 10e6, 99);
    expect(r.samples.map((s) => [s.frames[0]!.name, s.cpuNs])).toEqual([["js", 6e6], ["js", 2e6], [OUTSIDE_JS.name, 2e6]]);
    expect(r.samples.reduce((a, s) => a + s.cpuNs!, 0)).toBe(10e6);
  });

  test("samples that weigh more than the measured on-CPU time are scaled down together, never past it", () => {
    const r = capWeights([{ ...at(1), cpuNs: 30e6 }, { ...at(2), cpuNs: 10e6 }], 20e6, 99);
    expect(r.samples.map((s) => s.cpuNs)).toEqual([15e6, 5e6]);
    expect(r.jsNs).toBe(20e6);
  });
});

describe("PeriodEstimate", () => {
  test("the mean gap of consecutive wake-ups, skipping gaps where the VM was not entered", () => {
    const p = new PeriodEstimate(10);
    expect(p.ms).toBe(10); // too few gaps yet: the nominal interval
    const times = [0, 10.2, 20.4, 30.6, 40.8, 51, 61.2, 71.4, 81.6, 91.8, 200, 210.2];
    p.add(times.slice(0, 6).map((t) => at(t)));
    p.add(times.slice(6).map((t) => at(t))); // across drains, too
    expect(p.ms).toBeCloseTo(10.2, 6);
  });
});

describe("run clock", () => {
  // The JS thread's CPU clock every 0.25 ms: running until 1 ms, asleep until 2 ms, running again.
  const t = [0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.25, 2.5];
  const cpu = [0, 0.25, 0.5, 0.75, 1, 1, 1, 1, 1, 1.25, 1.5].map((ms) => ms * 1e6);
  const r = { t: Float64Array.from(t), cpu: Float64Array.from(cpu) };

  test("outside the readings there is no answer", () => {
    expect(wasRunning(r, -1)).toBeNull();
    expect(wasRunning(r, 3)).toBeNull();
  });

  test("wasRunning tells a running instant from a sleeping one", () => {
    expect(wasRunning(r, 0.125)).toBe(true);
    expect(wasRunning(r, 1.25)).toBe(false);
    expect(wasRunning(r, 0.6)).toBe(true);
    expect(wasRunning(r, 1.5)).toBe(false);
    // At the edge of a burst one side ran: it counts as running.
    expect(wasRunning(r, 2.05)).toBe(true);
  });

  test("a 90 µs burst inside a reading interval counts as running; the blip of handling the sampler's own signal does not", () => {
    const burst = { t: Float64Array.from([0, 0.25, 0.5, 0.75]), cpu: Float64Array.from([0, 90_000, 90_000, 100_000]) };
    expect(wasRunning(burst, 0.1)).toBe(true);
    expect(wasRunning(burst, 0.6)).toBe(false); // 10 µs: a suspend/resume, not work
  });

  test("readings with a gap longer than 1 ms say nothing about the instants inside it", () => {
    const sparse = { t: Float64Array.from([0, 3]), cpu: Float64Array.from([0, 3e6]) };
    expect(wasRunning(sparse, 1.5)).toBeNull();
  });
});

test("parseCpuList reads the kernel's CPU list format", () => {
  expect(parseCpuList("0-3,5,7-8\n")).toEqual([0, 1, 2, 3, 5, 7, 8]);
  expect(parseCpuList("1")).toEqual([1]);
});
