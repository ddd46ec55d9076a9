/**
 * --workers supervision: SIGKILL a worker under steady load → the primary
 * logs it and restarts it, the new worker serves, and clients lose at most
 * the requests that worker had in flight. Backoff is checked on its own,
 * two-sided at the stability bound.
 */
import { afterAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { backoffAfter, RESTART_MAX_MS, RESTART_MIN_MS, STABLE_MS } from "../../src/service/supervisor.ts";
import { builtIndex } from "../support/fixtures.ts";
import { spawnTestService, type RunningService } from "../support/service.ts";

test("backoff doubles while a worker dies young, resets once it stayed up STABLE_MS, and is capped", () => {
  expect(backoffAfter(0, 10)).toBe(RESTART_MIN_MS);
  expect(backoffAfter(400, STABLE_MS - 1)).toBe(800);
  expect(backoffAfter(400, STABLE_MS)).toBe(RESTART_MIN_MS);
  expect(backoffAfter(RESTART_MAX_MS, 0)).toBe(RESTART_MAX_MS);
});

let svc: RunningService;
afterAll(async () => svc && (await svc.stop()));

const childrenOf = (pid: number) => readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);

/** /healthz over a fresh connection each time, so SO_REUSEPORT spreads them across the workers. */
const healthPid = async () => ((await (await fetch(`${svc.url}/healthz`, { headers: { connection: "close" } })).json()) as { pid: number }).pid;

test("a SIGKILLed worker is logged and restarted; clients lose at most its in-flight requests", async () => {
  svc = await spawnTestService(["--index", builtIndex(10_000, 42), "--workers", "2"]);
  let [worker] = childrenOf(svc.proc.pid);
  // Wait until the worker is serving (its ready line).
  await svc.waitForLog(/enrich\[1\]: serving/);
  const concurrency = 8;
  // Lost: a connection that failed, or any answer but a 200 or admission control's shed. A shed is the
  // surviving worker's 503 with Retry-After when its loop is busy (a loaded CI machine): an answer, not a loss.
  let failures = 0, ok = 0, shed = 0, running = true;
  const load = Array.from({ length: concurrency }, async () => {
    while (running) {
      try {
        const res = await fetch(`${svc.url}/enrich`, { method: "POST", headers: { "content-type": "application/json", connection: "close" }, body: '{"events":[{"key":"1","attrs":{}}]}' });
        const text = await res.text();
        if (res.status === 200) ok++;
        else if (res.status === 503 && res.headers.get("retry-after") && /^\{"error":"overloaded/.test(text)) shed++;
        else failures++;
      } catch {
        failures++;
      }
    }
  });
  process.kill(worker!, "SIGKILL");
  await svc.waitForLog(new RegExp(`worker 1 \\(pid ${worker}\\) died \\(signal SIGKILL\\)`), 10_000);
  await svc.waitForLog(/worker 1 restarted \(pid (\d+)\)/, 10_000);
  const restarted = Number(/worker 1 restarted \(pid (\d+)\)/.exec(svc.log())![1]);
  await svc.waitForLog(/enrich\[1\]: serving[^]*enrich\[1\]: serving/, 20_000);
  // The new worker takes connections.
  let seen = false;
  for (let i = 0; i < 400 && !seen; i++) seen = (await healthPid()) === restarted;
  running = false;
  await Promise.all(load);
  expect({ restartedIsNew: restarted !== worker, seen, failuresWithinInFlight: failures <= concurrency, served: ok > 0, failures, shed }).toEqual({ restartedIsNew: true, seen: true, failuresWithinInFlight: true, served: true, failures, shed });
  worker = restarted;
});
