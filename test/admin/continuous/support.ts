/**
 * Drivable stand-ins for the continuous profiler: a clock whose sleep moves
 * time forward at once, and sources that "capture" a window by advancing
 * that clock and returning small profiles of known content.
 */
import { ProfileBuilder } from "../../../src/admin/pprof.ts";
import type { Kind } from "../../../src/admin/continuous/files.ts";
import type { Clock } from "../../../src/admin/continuous/schedule.ts";
import type { KindResult, Sources } from "../../../src/admin/continuous/sources.ts";

export class FakeClock implements Clock {
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.t += Math.max(0, ms);
  }
}

const SPECS: Record<Kind, ConstructorParameters<typeof ProfileBuilder>[0]> = {
  cpu: { sampleTypes: [["samples", "count"], ["cpu", "nanoseconds"]], periodType: ["cpu", "nanoseconds"], period: 10_000_000, defaultSampleType: 1 },
  heap: { sampleTypes: [["inuse_objects", "count"], ["inuse_space", "bytes"]], periodType: ["space", "bytes"], period: 1, defaultSampleType: 1 },
  block: { sampleTypes: [["stalls", "count"], ["delay", "nanoseconds"]], periodType: ["delay", "nanoseconds"], period: 40_000_000, defaultSampleType: 1 },
};

/** A profile with one stack per entry of `frames` (name → value of the default type). */
export function fakeProfile(kind: Kind, frames: Record<string, number>, timeMs: number, durationMs: number): Uint8Array {
  const b = new ProfileBuilder({ ...SPECS[kind], timeNanos: timeMs * 1e6, durationNanos: durationMs * 1e6 });
  for (const [name, v] of Object.entries(frames)) b.add([{ name, file: "/app/src/x.ts", line: 1 }, { name: "main", file: "/app/src/main.ts", line: 1 }], [1, v]);
  return b.encode();
}

/**
 * fakeSources: each window advances the clock by its length and returns, for
 * every kind asked, a profile whose frames come from `content(n)` (n = the
 * window's number, from 0); `fail` names kinds that report an error instead.
 */
export function fakeSources(clock: FakeClock, content: (n: number, kind: Kind) => Record<string, number>, fail: Kind[] = []): Sources & { windows: number } {
  const s = {
    windows: 0,
    async capture(windowMs: number, kinds: readonly Kind[]): Promise<KindResult[]> {
      const from = clock.t;
      clock.t += windowMs;
      const n = s.windows++;
      return kinds.map((kind) => (fail.includes(kind) ? { kind, error: "broken on purpose" } : { kind, bytes: fakeProfile(kind, content(n, kind), from, windowMs) }));
    },
  };
  return s;
}
