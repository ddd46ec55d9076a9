import { describe, expect, test } from "bun:test";
import type { RequestRecord } from "../../src/admin/requests.ts";
import { type RecordedTrace, REQUESTS_PER_SLICE, SLICE_MS, traceChunks } from "../../src/admin/trace.ts";

// The trace's JSON, produced in slices with the loop handed back between them (a whole trace at once
// stalled a busy service's hot path: bench/admin-cost.ts). The clock and the yield are injected: no timing.

const labels = { route: "/enrich", variant: "v" };
function request(id: number, sent?: number): RequestRecord {
  const arrived = id * 10;
  return { id, method: "POST", route: "/enrich", arrived, sent, bytes: 40, stage: "respond", stageAt: arrived + 3, handlerAt: arrived + 1, respondAt: arrived + 2, status: 200, ended: arrived + 4, labels };
}
function recorded(n: number): RecordedTrace {
  const requests: RecordedTrace["requests"] = Array.from({ length: n }, (_, i) => request(i + 1, i % 2 ? (i + 1) * 10 - 0.5 : undefined));
  requests.push({ ...request(n + 1), status: undefined, respondAt: undefined, ended: (n + 1) * 10 + 9, unfinished: true });
  return {
    o: { seconds: 1, hz: 100, stallMs: 10, label: "test" },
    pid: 42,
    start: 0,
    requests,
    gcs: [{ type: "full", at: 50, costMs: 2, usedBefore: 10, usedAfter: 4 }] as RecordedTrace["gcs"],
    stalls: [{ end: 70, delayMs: 12 }] as RecordedTrace["stalls"],
    samples: [{ t: 11, frames: [{ name: "leaf", file: "a.ts", line: 1 }, { name: "root", file: "a.ts", line: 9 }] }] as RecordedTrace["samples"],
    counters: [{ name: "in-flight requests", ph: "C", ts: 15_000, pid: 42, tid: 3, args: { requests: 1 } }],
    dropped: 0,
    unfinished: 1,
  };
}
async function collect(t: RecordedTrace, clockStep: number) {
  let clock = 0;
  let yields = 0;
  const chunks: string[] = [];
  for await (const c of traceChunks(t, { now: () => (clock += clockStep), yieldToLoop: async () => void yields++ })) chunks.push(c);
  return { chunks, yields, text: chunks.join("") };
}

describe("traceChunks", () => {
  test("the chunks join into one Chrome trace: metadata, every request's nested slices, GC, stalls, samples, counters", async () => {
    const { text } = await collect(recorded(3), 0);
    const t = JSON.parse(text) as { traceEvents: { name: string; ph: string; id?: string; ts: number; args?: Record<string, unknown> }[]; displayTimeUnit: string; otherData: Record<string, unknown> };
    const ev = t.traceEvents;
    expect(ev.slice(0, 4).map((e) => e.ph)).toEqual(["M", "M", "M", "M"]);
    // A request without X-Request-Start: outer b, three stages (b e each), outer e; with it, a queue-wait slice more.
    expect(ev.filter((e) => e.id === "r1").map((e) => `${e.ph} ${e.name}`)).toEqual(["b POST /enrich", "b read body + validate", "e read body + validate", "b handler", "e handler", "b respond", "e respond", "e POST /enrich"]);
    expect(ev.filter((e) => e.id === "r2").map((e) => e.name)).toContain("queue wait");
    expect(ev.find((e) => e.id === "r4" && e.ph === "b")!.args).toEqual({ id: 4, status: null, bytes: 40, unfinished: true });
    expect(ev.filter((e) => e.name === "GC full" || e.name === "event-loop stall" || e.name === "in-flight requests").length).toBe(3);
    expect(ev.filter((e) => e.ph === "B").map((e) => e.name)).toEqual(["root", "leaf"]);
    expect(t.displayTimeUnit).toBe("ms");
    expect(t.otherData).toMatchObject({ label: "test", requests: 3, unfinished: 1, gcCycles: 1, stalls: 1, samples: 1 });
  });

  test("with no work the loop is never handed back; once a slice outlasts SLICE_MS it is, between slices of requests", async () => {
    const n = REQUESTS_PER_SLICE * 5;
    const fast = await collect(recorded(n), 0);
    expect(fast.yields).toBe(0);
    // Every clock read advances past the slice budget: each slice of requests ends with a yield.
    const slow = await collect(recorded(n), SLICE_MS);
    expect(slow.yields).toBeGreaterThanOrEqual(Math.ceil((n + 1) / REQUESTS_PER_SLICE));
    expect(slow.text).toBe(fast.text);
    expect(slow.chunks.length).toBeGreaterThan(5);
  });
});
