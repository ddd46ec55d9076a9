import { afterAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { LoadError } from "../../src/load/errors.ts";
import { decodeHistograms } from "../../src/load/result.ts";
import { runLoad, startLoad } from "../../src/load/run.ts";
import { closedPort, keyOf, tempCorpus } from "./support.ts";

// All servers listen on 127.0.0.1, port 0; every run is a second or two. No
// bound on how fast anything went (that is the benchmarks' job): counts, the
// schedule, and where an injected 300 ms stall shows up — lower bounds only
// (a slower machine only makes the stall look longer), and the one count
// "only the stalled request's own service time holds it".

const { dir, corpus } = tempCorpus();
const servers: { stop(force?: boolean): void }[] = [];
afterAll(() => servers.forEach((s) => s.stop(true)));

function serve(fetch: (req: Request) => Response | Promise<Response>) {
  const s = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch });
  servers.push(s);
  return `http://127.0.0.1:${s.port}/enrich`;
}

const fast = serve(() => new Response('{"results":[]}', { headers: { "content-type": "application/json" } }));

describe("a stall cannot hide", () => {
  test("one connection, one 300 ms stall: corrected p99 shows it, service time does not; counts add up", async () => {
    // The classic coordinated-omission setup: a closed-loop tool would wait out the stall on its one
    // connection and never record the ~60 requests that were due during it.
    let n = 0;
    const url = serve(async (req) => {
      await req.arrayBuffer();
      if (++n === 150) await Bun.sleep(300);
      return new Response("{}");
    });
    const r = await runLoad({ url, corpus, rps: 200, durationMs: 2000, warmupMs: 200, connections: 1, timeoutMs: 2000 });
    expect({ scheduled: r.counts.scheduled, ok: r.counts.ok, accounted: r.accounted }).toEqual({ scheduled: 400, ok: 400, accounted: true });
    expect(r.latency.corrected.p99, "corrected p99 shows the stall").toBeGreaterThanOrEqual(200);
    expect(r.latency.corrected.max, "corrected max ≈ the stall").toBeGreaterThanOrEqual(290);
    expect(r.latency.service.max, "the stalled request itself").toBeGreaterThanOrEqual(290);
    // Service time holds the stall once: the requests queued behind the stalled one on its connection were sent after it.
    const service = decodeHistograms(r.histograms).service;
    const nextSlowestMs = service.getValueAtPercentile((100 * (service.totalCount - 1)) / service.totalCount) / 1000;
    expect(nextSlowestMs, "no other request's service time holds the stall").toBeLessThan(290);
    expect(r.connections.waited, "requests due during the stall waited for the connection").toBeGreaterThan(40);
  });

  test("a blocking stall in a separate server process: requests still go out on schedule", async () => {
    // The server's event loop blocks for 300 ms; with connections to spare the harness keeps sending,
    // so send lag stays small while corrected and service time both show what the server did.
    const script = join(dir, "stall-server.ts");
    writeFileSync(
      script,
      `let n = 0;
const s = Bun.serve({ port: 0, hostname: "127.0.0.1", async fetch(req) { await req.arrayBuffer(); if (++n === 150) Bun.sleepSync(300); return new Response("{}"); } });
console.log(s.port);`,
    );
    await using proc = Bun.spawn([process.execPath, script], { stdout: "pipe", stderr: "inherit" });
    const reader = proc.stdout.getReader();
    const port = Number(new TextDecoder().decode((await reader.read()).value).trim());
    const r = await runLoad({ url: `http://127.0.0.1:${port}/`, corpus, rps: 200, durationMs: 2000, warmupMs: 200, connections: 128, timeoutMs: 2000 });
    proc.kill();
    expect({ scheduled: r.counts.scheduled, ended: r.counts.ok, accounted: r.accounted }).toEqual({ scheduled: 400, ended: 400, accounted: true });
    expect(r.latency.corrected.p99, "corrected p99").toBeGreaterThanOrEqual(200);
    expect(r.latency.service.p99, "service p99: the server really was slow for them").toBeGreaterThanOrEqual(200);
    expect(r.connections.waited, "with connections to spare, no request waited for one during the stall").toBe(0);
  });
});

describe("the generator's own limits", () => {
  test("a holdable rate: the schedule is exact, every request is answered, none waits for a connection", async () => {
    const r = await runLoad({ url: fast, corpus, rps: 500, durationMs: 2000, warmupMs: 300 });
    expect(r.connections.waited).toBe(0);
    expect({ scheduled: r.counts.scheduled, ok: r.counts.ok, accounted: r.accounted }).toEqual({ scheduled: 1000, ok: 1000, accounted: true });
    // Validity itself is not asserted here: on a loaded machine a stolen core may rightly invalidate a run.
    expect(r.windows.map((w) => w.scheduled)).toEqual([500, 500]);
  });

  test("a rate it cannot hold is reported invalid, with reasons, and still fully accounted", async () => {
    const r = await runLoad({ url: fast, corpus, rps: 200_000, durationMs: 1000, warmupMs: 0, timeoutMs: 300 });
    expect(r.validity.valid).toBe(false);
    expect(r.validity.reasons.length).toBeGreaterThan(0);
    expect(r.validity.reasons.join("\n")).toMatch(/schedule lag|achieved rate|JS thread/);
    expect(r.achievedRps).toBeLessThan(0.99 * 200_000);
    expect({ scheduled: r.counts.scheduled, accounted: r.accounted }).toEqual({ scheduled: 200_000, accounted: true });
  });
});

for (const transport of ["raw", "fetch"] as const) {
  describe(`accounting (${transport} transport)`, () => {
    test("every request ends as exactly one of ok, http error (by status), timeout, transport error", async () => {
      const url = serve(async (req) => {
        const key = await keyOf(req);
        if (key === "1") return new Response("{}");
        if (key === "2") return new Response("busy", { status: 503 });
        return new Promise<Response>(() => {}); // never answers: a timeout
      });
      const r = await runLoad({ url, corpus, rps: 300, durationMs: 1000, warmupMs: 0, timeoutMs: 250, transport });
      expect(r.counts).toEqual({ scheduled: 300, ok: 100, httpError: 100, byStatus: { "503": 100 }, timeout: 100, timeoutUnsent: 0, transport: 0, byKind: {} });
      expect(r.accounted).toBe(true);
      expect(r.latency.corrected.count, "timeouts enter corrected latency as a lower bound").toBe(300);
      expect(r.latency.service.count, "but never service time").toBe(200);
      expect(r.latency.corrected.max).toBeGreaterThanOrEqual(250);
    });

    test("a peer that hangs up is a transport error, counted by kind", async () => {
      const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data: (s) => void s.end() } });
      servers.push(listener);
      const r = await runLoad({ url: `http://127.0.0.1:${listener.port}/`, corpus, rps: 100, durationMs: 500, warmupMs: 0, timeoutMs: 500, transport });
      expect({ scheduled: r.counts.scheduled, transport: r.counts.transport, accounted: r.accounted }).toEqual({ scheduled: 50, transport: 50, accounted: true });
      if (transport === "raw") expect(r.counts.byKind).toEqual({ closed: 50 });
    });
  });
}

for (const transport of ["raw", "fetch"] as const) {
  test(`large bodies both ways: partial writes and many-chunk responses (${transport})`, async () => {
    const big = join(dir, "big.ndjson");
    const attrs = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, "v".repeat(100)]));
    writeFileSync(big, JSON.stringify({ events: [{ key: "1", attrs }] }) + "\n");
    const reply = "x".repeat(600_000);
    let bytes = 0;
    const url = serve(async (req) => {
      bytes = (await req.arrayBuffer()).byteLength;
      return new Response(reply);
    });
    const r = await runLoad({ url, corpus: big, rps: 40, durationMs: 500, warmupMs: 0, transport });
    expect({ ok: r.counts.ok, scheduled: r.counts.scheduled, accounted: r.accounted }).toEqual({ ok: 20, scheduled: 20, accounted: true });
    expect(bytes).toBeGreaterThan(200_000);
  });
}

describe("library use", () => {
  test("an unreachable target rejects with one clear LoadError", async () => {
    const port = closedPort();
    const err = await runLoad({ url: `http://127.0.0.1:${port}/enrich`, corpus, rps: 10, durationMs: 100 }).catch((e) => e);
    expect(err).toBeInstanceOf(LoadError);
    expect({ code: err.code, message: err.message }).toEqual({ code: "unreachable", message: `cannot connect to 127.0.0.1:${port} (http://127.0.0.1:${port}/enrich): ECONNREFUSED` });
  });

  test("bad options and a missing corpus reject before any load", async () => {
    await expect(runLoad({ url: fast, corpus, rps: -1 })).rejects.toThrow("--rps: expected a positive rate");
    await expect(runLoad({ url: fast, corpus: join(dir, "nope.ndjson"), rps: 10 })).rejects.toThrow("corpus not found");
  });

  test("snapshots while running, windows as they close, and stop() drains and says so", async () => {
    const windows: number[] = [];
    let snap: ReturnType<typeof run.snapshot> | null = null;
    let progressCalls = 0;
    const run = startLoad(
      { url: fast, corpus, rps: 400, durationMs: 10_000, warmupMs: 0, windowMs: 200, progressMs: 100 },
      {
        onWindow: (w) => {
          windows.push(w.index);
          if (w.index === 2) {
            snap = run.snapshot();
            run.stop();
          }
        },
        onProgress: () => progressCalls++,
      },
    );
    const r = await run.done;
    expect(windows.slice(0, 3)).toEqual([0, 1, 2]);
    expect(snap!.complete).toBe(false);
    expect(snap!.windows).toHaveLength(3);
    expect({ complete: r.complete, aborted: r.aborted, accounted: r.accounted }).toEqual({ complete: true, aborted: true, accounted: true });
    expect(r.counts.scheduled, "stop() cut the 10 s schedule short").toBeLessThan(400 * 10);
    expect(r.counts.scheduled).toBe(r.counts.ok);
    expect(progressCalls).toBeGreaterThan(0);
  });

  test("poisson arrivals: the same seed schedules the same requests", async () => {
    const a = await runLoad({ url: fast, corpus, rps: 400, durationMs: 500, warmupMs: 0, arrivals: "poisson", seed: 42 });
    const b = await runLoad({ url: fast, corpus, rps: 400, durationMs: 500, warmupMs: 0, arrivals: "poisson", seed: 42 });
    expect(a.counts.scheduled).toBe(b.counts.scheduled);
    expect(a.counts.scheduled).toBeGreaterThan(100); // 200 expected; 7σ below
    expect(a.counts.scheduled).toBeLessThan(300);
  });
});
