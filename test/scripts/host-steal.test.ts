import { expect, test } from "bun:test";
import { collectMeta, hostBusyBetween, hostCpuTimes, hostStealBetween } from "../../scripts/lib/meta.ts";

test("steal and busy shares per CPU between two /proc/stat readings", () => {
  // cpu0: 1,000 jiffies passed, 400 busy of which 100 stolen; cpu1: 500 passed, none stolen; cpu2 unread before.
  const a = [
    { cpu: 0, busy: 1_000, steal: 50, total: 10_000 },
    { cpu: 1, busy: 0, steal: 0, total: 5_000 },
  ];
  const b = [
    { cpu: 0, busy: 1_400, steal: 150, total: 11_000 },
    { cpu: 1, busy: 0, steal: 0, total: 5_500 },
    { cpu: 2, busy: 9, steal: 9, total: 9 },
  ];
  expect(hostStealBetween(a, b)).toEqual({ cpu0: 0.1, cpu1: 0 });
  expect(hostBusyBetween(a, b)).toEqual({ cpu0: 0.4, cpu1: 0 });
  // No time passed: no share, rather than 0/0.
  expect(hostStealBetween(a, a)).toEqual({});
});

test("every meta.json made with collectMeta says what the host did over its span", () => {
  const meta = collectMeta(["bun", "x.ts"]);
  const written = JSON.parse(JSON.stringify({ ...meta }));
  expect(Object.keys(written.hostCpu).sort()).toEqual(["busy", "seconds", "steal"]);
  expect(written.hostCpu.seconds).toBeGreaterThanOrEqual(0);
  // /proc/stat is there on Linux: one entry per CPU it lists, each a share in [0, 1] (or none yet if no jiffy passed).
  for (const share of Object.values(written.hostCpu.steal) as number[]) expect(share >= 0 && share <= 1).toBe(true);
  expect(hostCpuTimes().length).toBeGreaterThan(0);
});
