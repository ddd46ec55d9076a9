/** Smoke tests of the real listener: ports, workers, drain. Everything else goes through app.handle. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { eventually } from "../support/eventually.ts";
import { builtIndex } from "../support/fixtures.ts";
import { spawnTestService, type RunningService } from "../support/service.ts";
import { KeySpace } from "../../src/domain/keys.ts";

const dir = builtIndex(20_000, 5);
const ks = new KeySpace(5);
const JSON_HEADERS = { "content-type": "application/json" };

describe("one process", () => {
  let svc: RunningService;
  beforeAll(async () => {
    svc = await spawnTestService(["--index", dir]);
  });
  afterAll(() => svc.stop());

  test("serves /enrich and /healthz on the hot port, and only those", async () => {
    const res = await fetch(`${svc.url}/enrich`, { method: "POST", headers: JSON_HEADERS, body: JSON.stringify({ events: [{ key: ks.keyString(0), attrs: { a: "b" } }] }) });
    const json = (await res.json()) as { results: { found: boolean; attrs: unknown }[] };
    expect({ status: res.status, found: json.results[0]!.found, attrs: json.results[0]!.attrs }).toEqual({ status: 200, found: true, attrs: { a: "b" } });
    expect((await fetch(`${svc.url}/healthz`)).status).toBe(200);
    for (const path of ["/metrics", "/debug/pprof/"]) expect((await fetch(`${svc.url}${path}`)).status).toBe(404);
  });

  test("the admin port is on loopback and serves no /enrich", async () => {
    expect(svc.adminUrl.startsWith("http://127.0.0.1:")).toBe(true);
    expect((await fetch(`${svc.adminUrl}/debug/pprof/`)).status).toBe(200);
    expect((await fetch(`${svc.adminUrl}/enrich`, { method: "POST", headers: JSON_HEADERS, body: "{}" })).status).toBe(404);
  });

  test("a chunked body over the limit is refused with a JSON 413, and the process lives on", async () => {
    const chunk = new TextEncoder().encode(" ".repeat(1 << 20));
    let sent = 0;
    const stream = new ReadableStream({
      pull(c) {
        if (sent++ < 10) c.enqueue(chunk);
        else c.close();
      },
    });
    const res = await fetch(`${svc.url}/enrich`, { method: "POST", headers: JSON_HEADERS, body: stream });
    expect({ status: res.status, body: await res.json() }).toEqual({ status: 413, body: { error: "body is over the limit of 8388608 bytes", path: "" } });
    expect((await fetch(`${svc.url}/healthz`)).status).toBe(200);
  });
});

test("SIGTERM drains in-flight requests before exit", async () => {
  const svc = await spawnTestService(["--index", dir]);
  // The body arrives in two parts; the signal lands between them, so the request is surely in flight.
  const events = Array.from({ length: 2_000 }, (_, i) => ({ key: ks.keyString(i), attrs: { i: String(i) } }));
  const text = JSON.stringify({ events });
  const half = text.length >> 1;
  let resume!: () => void;
  const gate = new Promise<void>((r) => (resume = r));
  const body = new ReadableStream<Uint8Array>({
    async start(c) {
      c.enqueue(new TextEncoder().encode(text.slice(0, half)));
      await gate;
      c.enqueue(new TextEncoder().encode(text.slice(half)));
      c.close();
    },
  });
  const pending = fetch(`${svc.url}/enrich`, { method: "POST", headers: JSON_HEADERS, body });
  // In flight once the service has seen it: the admin in-flight table lists it.
  const inflight = async () => ((await (await fetch(`${svc.adminUrl}/debug/pprof/goroutine?format=json`)).json()) as { inflight: { route: string }[] }).inflight;
  await eventually(async () => ((await inflight()).some((r) => r.route === "/enrich") ? true : undefined), "the request in the in-flight table");
  svc.proc.kill("SIGTERM");
  await svc.waitForLog(/SIGTERM: draining/);
  resume();
  const res = await pending;
  const json = (await res.json()) as { results: unknown[] };
  expect({ status: res.status, results: json.results.length, exit: await svc.proc.exited }).toEqual({ status: 200, results: 2_000, exit: 0 });
  expect(svc.log()).toMatch(/SIGTERM: draining 1 in-flight request/);
});

test("--workers 2: two processes share the port and map the same index files", async () => {
  const svc = await spawnTestService(["--index", dir, "--workers", "2"]);
  try {
    await svc.waitForLog(/enrich\[1\]: serving/);
    const pids = new Set<number>();
    for (let i = 0; i < 40 && pids.size < 2; i++) {
      const res = await fetch(`${svc.url}/healthz`, { headers: { connection: "close" } });
      pids.add(((await res.json()) as { pid: number }).pid);
    }
    expect(pids.size).toBe(2);
    for (const pid of pids) expect(readFileSync(`/proc/${pid}/maps`, "utf8")).toContain(`${dir}/payload-000.bin`);
  } finally {
    expect(await svc.stop()).toBe(0);
  }
});

test("v0's index lock contends over HTTP when requests overlap (the lock regime is real)", async () => {
  const svc = await spawnTestService(["--index", dir, "--variant", "v0", "--mutex-profile-fraction", "1"]);
  try {
    const events = Array.from({ length: 100 }, (_, i) => ({ key: ks.keyString(i), attrs: {} }));
    const body = JSON.stringify({ events });
    const statuses = await Promise.all(Array.from({ length: 16 }, () => fetch(`${svc.url}/enrich`, { method: "POST", headers: JSON_HEADERS, body }).then((r) => r.status)));
    expect(statuses).toEqual(Array(16).fill(200));
    const metrics = await (await fetch(`${svc.adminUrl}/metrics`)).text();
    const contended = Number(/^enrich_lock_contentions_total\{lock="index-reload-lock"[^}]*\} (\d+)/m.exec(metrics)?.[1] ?? 0);
    expect(contended).toBeGreaterThan(0);
  } finally {
    await svc.stop();
  }
});
