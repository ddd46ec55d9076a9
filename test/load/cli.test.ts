import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { closedPort, tempCorpus } from "./support.ts";

const CLI = join(import.meta.dir, "../../src/load/cli.ts");
const { dir, corpus } = tempCorpus();
const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response('{"results":[]}') });
const url = `http://127.0.0.1:${server.port}/enrich`;
afterAll(() => server.stop(true));

async function load(...args: string[]) {
  await using proc = Bun.spawn([process.execPath, CLI, ...args], { stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, code };
}

describe("load CLI", () => {
  test("--help documents every flag", async () => {
    const r = await load("--help");
    expect(r.code).toBe(0);
    for (const flag of ["--url", "--rps", "--duration", "--corpus", "--connections", "--json", "--hist-out", "--arrivals", "--warmup", "--timeout", "--find-max", "--p99", "--plot", "--seed", "--transport", "--max-lag"]) {
      expect(r.stdout).toContain(flag);
    }
  });

  test.each([
    [["--bogus"], "error: Unknown option '--bogus'"],
    [["--rps", "fast", "--corpus", "x"], "error: --rps: expected a number, got 'fast'"],
    [["--rps", "10"], "error: --corpus is required"],
    [["--corpus", "x"], "error: --rps is required (or use --find-max)"],
    [["--rps", "10", "--corpus", "x", "--duration", "soon"], "error: --duration: expected a duration like 30s, 500ms or 2m, got 'soon'"],
    [["--rps", "10", "--corpus", "x", "--connections", "two"], "error: --connections: expected a whole number ≥ 1 or 'unbounded', got 'two'"],
    [["--rps", "10", "--corpus", "x", "--arrivals", "bursty"], "error: --arrivals: expected one of constant, poisson, got 'bursty'"],
  ])("bad flag %j: one clear line, exit 2", async (args, line) => {
    const r = await load(...args);
    expect({ code: r.code, stderr: r.stderr.trim().split("\n").length, stdout: r.stdout }).toEqual({ code: 2, stderr: 1, stdout: "" });
    expect(r.stderr).toStartWith(line);
  });

  test("an unreachable target: one clear line, exit 1", async () => {
    const port = closedPort();
    const r = await load("--url", `http://127.0.0.1:${port}/enrich`, "--rps", "10", "--corpus", corpus, "--quiet");
    expect({ code: r.code, stderr: r.stderr, stdout: r.stdout }).toEqual({
      code: 1,
      stderr: `error: cannot connect to 127.0.0.1:${port} (http://127.0.0.1:${port}/enrich): ECONNREFUSED\n`,
      stdout: "",
    });
  });

  test("a missing corpus: one clear line, exit 1", async () => {
    const r = await load("--url", url, "--rps", "10", "--corpus", join(dir, "missing.ndjson"));
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 1, stderr: `error: corpus not found: ${join(dir, "missing.ndjson")}\n` });
  });

  test("--json, --hist-out and --plot", async () => {
    const hist = join(dir, "out/hist.json");
    const plot = join(dir, "out/latency.svg");
    const r = await load("--url", url, "--rps", "200", "--duration", "1s", "--warmup", "200ms", "--corpus", corpus, "--json", "--hist-out", hist, "--plot", plot, "--connections", "unbounded");
    const j = JSON.parse(r.stdout);
    expect(r.code, r.stderr).toBe(j.validity.valid ? 0 : 3);
    expect({ offered: j.offeredRps, scheduled: j.counts.scheduled, accounted: j.accounted }).toEqual({ offered: 200, scheduled: 200, accounted: true });
    for (const h of ["corrected", "service", "sendLag", "scheduleLag"]) expect(Object.keys(j.latency[h])).toEqual(["count", "min", "mean", "p50", "p90", "p99", "p99_9", "max"]);
    expect(r.stderr).toContain("[measure"); // the progress line
    expect(j.connections.limit).toBe("unbounded");
    const saved = JSON.parse(readFileSync(hist, "utf8"));
    expect(saved.histograms.corrected).toBe(j.histograms.corrected);
    for (const f of ["hist.hgrm", "hist.service.hgrm", "hist.send-lag.hgrm", "hist.schedule-lag.hgrm"]) {
      expect(readFileSync(join(dir, "out", f), "utf8")).toStartWith("       Value     Percentile TotalCount 1/(1-Percentile)");
    }
    expect(readFileSync(plot, "utf8")).toStartWith("<svg");
  });

  test("the table on stdout", async () => {
    const r = await load("--url", url, "--rps", "100", "--duration", "500ms", "--warmup", "0s", "--corpus", corpus, "--quiet");
    expect(r.stdout).toContain("latency (ms)");
    expect(r.stdout).toMatch(/corrected .*\n.*service time .*\n.*send lag .*\n.*schedule lag /);
    const verdict = /^(VALID|INVALID RUN).*$/m.exec(r.stdout);
    expect(verdict).not.toBeNull();
    // --quiet: stderr is empty on a valid run; an invalid one (exit 3) repeats the table's reasons on one line.
    const after = r.stdout.slice(verdict!.index).split("\n").slice(1);
    const reasons = after.slice(0, after.findIndex((l) => !l.startsWith("  - "))).map((l) => l.slice(4));
    const invalid = verdict![1] === "INVALID RUN";
    expect({ code: r.code, stderr: r.stderr }).toEqual(invalid ? { code: 3, stderr: `INVALID RUN: ${reasons.join("; ")}\n` } : { code: 0, stderr: "" });
    if (invalid) expect(reasons.length).toBeGreaterThan(0);
  });

  test("--find-max prints the curve and the figure", async () => {
    const svg = join(dir, "curve.svg");
    const r = await load("--url", url, "--find-max", "--p99", "100ms", "--rps", "100", "--max-rps", "200", "--duration", "500ms", "--warmup", "100ms", "--corpus", corpus, "--quiet", "--json", "--plot", svg);
    const j = JSON.parse(r.stdout);
    expect({ mode: j.mode, threshold: j.p99ThresholdMs }).toEqual({ mode: "find-max", threshold: 100 });
    expect(j.steps.length).toBeGreaterThanOrEqual(1);
    expect(existsSync(svg)).toBe(true);
  });
});
