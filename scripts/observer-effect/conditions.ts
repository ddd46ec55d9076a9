/**
 * The observer conditions the service is measured under, their order within
 * a round, and starting each one's observer on the admin port.
 */
export const CONDITIONS = ["baseline", "cpu100", "rates", "trace"] as const;
export type Condition = (typeof CONDITIONS)[number];

/** The conditions a comma-separated list names, or the reason it cannot be used. */
export function parseConditions(list: string): Condition[] | { error: string } {
  const conditions = list.split(",").map((c) => c.trim()) as Condition[];
  for (const c of conditions) if (!CONDITIONS.includes(c)) return { error: `--conditions: expected some of ${CONDITIONS.join(", ")}, got '${c}'` };
  if (!conditions.includes("baseline")) return { error: "--conditions: must include baseline (every delta is against it)" };
  return conditions;
}

/**
 * The order of round `round` (from 1): rotated by one per round, so no
 * condition always runs first; round 1 starts with the baseline, whose
 * throughput sets the fixed rate of every p99 run.
 */
export function roundOrder(conditions: readonly Condition[], round: number): Condition[] {
  const order = conditions.map((_, i) => conditions[(i + round - 1) % conditions.length]!);
  if (round === 1) order.sort((a, b) => (a === "baseline" ? -1 : b === "baseline" ? 1 : 0));
  return order;
}

/** Starts condition `c`'s observer on the admin port for `spanS` seconds; returns what to await (its record) when the runs are done. */
export async function observe(adminUrl: string, c: Condition, spanS: number, blockRateMs: number): Promise<() => Promise<unknown>> {
  if (c === "cpu100" || c === "trace") {
    const path = c === "cpu100" ? `/debug/pprof/profile?seconds=${spanS}&hz=100` : `/debug/pprof/trace?seconds=${spanS}&hz=100`;
    const pending = fetch(`${adminUrl}${path}`).then(async (r) => {
      const bytes = (await r.arrayBuffer()).byteLength;
      if (r.status !== 200) throw new Error(`${path}: ${r.status}`);
      return { path, bytes };
    });
    return () => pending;
  }
  if (c === "rates") {
    const r = await fetch(`${adminUrl}/debug/pprof/rates?block=${blockRateMs}&mutex=1&seconds=${spanS}`, { method: "POST" });
    if (r.status !== 200) throw new Error(`rates: ${r.status}`);
    const since = Date.now();
    return async () => {
      const block = (await (await fetch(`${adminUrl}/debug/pprof/block?format=json`)).json()) as { nowMs: number; stalls: { end: number; delayMs: number }[]; histogramMs: unknown };
      await fetch(`${adminUrl}/debug/pprof/rates?block=0&mutex=0`, { method: "POST" });
      // Stall times are the server's performance.now(); keep those that ended within this window.
      const windowMs = Date.now() - since;
      const mine = block.stalls.filter((s) => s.end >= block.nowMs - windowMs);
      return { stalls: mine.length, maxStallMs: Math.max(0, ...mine.map((s) => s.delayMs)), loopDelayMs: block.histogramMs };
    };
  }
  return async () => null;
}
