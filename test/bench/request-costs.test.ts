import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { spawnService, type RunningService } from "../../scripts/lib/spawn-service.ts";

// The usage paths and the timed server's accounting; a real run is a benchmark (wrk for seconds), never a test.
const SCRIPT = join(import.meta.dir, "../../bench/request-costs.ts");
const SERVER = join(import.meta.dir, "../../bench/servers/timed-calls.ts");
const run = (...args: string[]) => Bun.spawnSync([process.execPath, SCRIPT, ...args], { stdout: "pipe", stderr: "pipe" });

test("request-costs --help names every flag", () => {
  const r = run("--help");
  expect(r.exitCode).toBe(0);
  for (const flag of ["--mix", "--index", "--duration", "--warmup", "--repeat", "--connections", "--out"]) expect(r.stdout.toString()).toContain(flag);
});

test("request-costs refuses a repeat that is not a positive integer, in one line, exit 2", () => {
  const r = run("--repeat", "0");
  expect(r.exitCode).toBe(2);
  expect(r.stderr.toString()).toContain("--repeat: expected a positive integer, got 0");
});

let server: RunningService;
beforeAll(async () => {
  server = await spawnService([], { command: [process.execPath, SERVER, "--port", "0"] });
});
afterAll(() => server?.proc.kill("SIGKILL"));

const post = (body: string) => fetch(`${server.url}/enrich`, { method: "POST", headers: { "content-type": "application/json" }, body });

test("the timed server answers as the echo does and times every call of each request, once", async () => {
  await fetch(`${server.url}/costs`); // reset whatever the spawn's probes left
  const body = JSON.stringify({ events: [{ key: "42", attrs: { city: "Zürich" } }, { key: "7", attrs: {} }] });
  for (let i = 0; i < 3; i++) {
    const res = await post(body);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(await res.text()).toBe(JSON.stringify({ results: JSON.parse(body).events }));
  }
  const costs = (await (await fetch(`${server.url}/costs`)).json()) as { requests: number; ns: Record<string, number> };
  expect(costs.requests).toBe(3);
  expect(Object.keys(costs.ns)).toEqual(["clock", "request.url", "request.headers", "headers.get ×3", "request.signal", "signal.aborted", "WeakMap set+get", "setTimeout+clearTimeout", "request.bytes()", "TextDecoder fatal decode", "JSON.parse", "JSON.stringify + encode", "new Response(bytes, {headers})"]);
  for (const [call, ns] of Object.entries(costs.ns)) {
    expect(Number.isFinite(ns), call).toBe(true);
    expect(ns, call).toBeGreaterThan(0);
  }
  // Reading the totals resets them.
  const again = (await (await fetch(`${server.url}/costs`)).json()) as { requests: number; ns: Record<string, number> };
  expect(again.requests).toBe(0);
  expect(Object.values(again.ns).every((ns) => ns === 0)).toBe(true);
});
