/**
 * The CPU quota bench/reliability.ts holds a service to: the period it picks
 * and the quotas it refuses before touching any cgroup.
 */
import { describe, expect, test } from "bun:test";
import { cpuQuota, defaultPeriodUs } from "../../scripts/lib/cpu-quota.ts";

describe("cpuQuota", () => {
  test("the period is 2 ms unless the kernel's 1 ms smallest quota needs a longer one", () => {
    expect([defaultPeriodUs(1), defaultPeriodUs(0.5), defaultPeriodUs(0.3), defaultPeriodUs(0.1)]).toEqual([2000, 2000, 3334, 10000]);
    expect(0.3 * defaultPeriodUs(0.3)).toBeGreaterThanOrEqual(1000);
  });

  test("a fraction outside (0, 1] or a quota under 1 ms is refused with the reason", () => {
    expect(() => cpuQuota(0)).toThrow("--server-cpu must be in [0.001, 1]");
    expect(() => cpuQuota(1.5)).toThrow("--server-cpu must be in [0.001, 1]");
    expect(() => cpuQuota(0.3, 2000)).toThrow("needs a period of at least 3334 µs");
    expect(() => cpuQuota(0.5, 500)).toThrow("the quota period must be 1 ms to 1 s");
  });
});
