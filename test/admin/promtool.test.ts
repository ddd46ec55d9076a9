/**
 * /metrics as Prometheus's own linter reads it: a live scrape of the service
 * (after traffic, errors, and the profiling rates turned on, so every family
 * has series) piped to `promtool check metrics`, which must print nothing and
 * exit 0. Skipped, loudly, without promtool; CI installs it (Debian package
 * `prometheus`, .ci/run).
 */
import { describe, expect, test } from "bun:test";
import { drive, startAdminService } from "./support.ts";

const promtool = Bun.which("promtool");
if (!promtool) console.warn("promtool.test.ts: `promtool` not found, SKIPPING the promtool check of /metrics (apt-get install prometheus)");

async function checkMetrics(text: string): Promise<{ code: number; out: string }> {
  await using proc = Bun.spawn([promtool!, "check", "metrics"], { stdin: new TextEncoder().encode(text), stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, out: (out + err).trim() };
}

describe.skipIf(!promtool)("promtool check metrics", () => {
  test("a live scrape under load, with block and mutex profiling on, lints clean", async () => {
    const svc = await startAdminService(["--block-profile-rate", "20", "--mutex-profile-fraction", "1"]);
    try {
      const load = drive(svc.url, 2, 50);
      // Refusals too, so the error counters and their status labels are in the scrape.
      expect((await fetch(`${svc.url}/enrich`, { method: "POST", headers: { "content-type": "text/plain" }, body: "x" })).status).toBe(415);
      expect((await fetch(`${svc.url}/enrich`, { method: "POST", headers: { "content-type": "application/json" }, body: "{" })).status).toBe(400);
      expect((await fetch(`${svc.url}/healthz`)).status).toBe(200);
      // A long task, so the block profiler and the loop-delay gauges have something.
      expect((await fetch(`${svc.adminUrl}/debug/pprof/selftest/block?ms=60`, { method: "POST" })).status).toBe(200);
      await load.stop();
      const text = await (await fetch(`${svc.adminUrl}/metrics`)).text();
      // The families the renames touched are there under their new names and types.
      expect(text).toContain("# TYPE enrich_http_request_duration_quantile_seconds summary");
      expect(text).toMatch(/^enrich_http_request_duration_quantile_seconds\{route="\/enrich",quantile="0.99",worker="0"\} /m);
      expect(text).toMatch(/^enrich_profiling_block_threshold_seconds\{worker="0"\} 0.02$/m);
      expect(text).not.toMatch(/^nodejs_active_\w+_total/m);
      const lint = await checkMetrics(text);
      expect(lint).toEqual({ code: 0, out: "" });
    } finally {
      await svc.stop();
    }
  }, 60_000);
});
