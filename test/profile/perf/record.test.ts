/**
 * perf record against a real Bun process (hot-ratio.ts: hotA does 3× hotB's
 * work): the profile names both at 3:1, its CPU total matches the thread's
 * schedstat over the same window, and `go tool pprof` reads the file the CLI
 * writes. Skipped, loudly, where perf cannot record (perfUsable says why).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { jitDumpEnv, openPerf, perfUsable } from "../../../scripts/profile/perf/record.ts";
import { schedstatNs } from "../../../scripts/profile/proc-stat.ts";
import { decodePprof, type FlatProfile, flatten } from "../../../src/admin/pprof.ts";
import { topRows } from "../../../scripts/profile/top.ts";
import { PROJECT_ROOT } from "../../../src/root.ts";
import { scratch } from "../../support/fixtures.ts";

const usable = await perfUsable();
if (!usable.ok) console.warn(`record.test.ts: SKIPPING the perf_events tests: ${usable.why}`);
const go = Bun.which("go");
if (usable.ok && !go) console.warn("record.test.ts: `go` not found, skipping the go tool pprof check (apt-get install golang-go)");

/** cum share of each function among `names`, from the cpu column. */
function shares(p: FlatProfile, names: string[]): Record<string, number> {
  const rows = topRows(p, p.defaultIndex, "cum").filter((r) => names.includes(r.name));
  const sum = rows.reduce((s, r) => s + r.cum, 0) || 1;
  return Object.fromEntries(names.map((n) => [n, (rows.find((r) => r.name === n)?.cum ?? 0) / sum]));
}

describe.skipIf(!usable.ok)("perf record on a Bun process", () => {
  const dir = scratch();
  let child: Subprocess<"ignore", "pipe", "pipe">;
  let ticks: (n: number) => Promise<void>;

  beforeAll(async () => {
    child = Bun.spawn([process.execPath, join(import.meta.dir, "hot-ratio.ts"), "40"], { env: { ...process.env, ...jitDumpEnv(dir) }, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    // "ready" once both functions are warm (FTL); bounded by the read below and the child's own 40 s.
    const reader = child.stdout.getReader();
    let seen = "";
    const deadline = performance.now() + 20_000;
    while (!seen.includes("ready") && performance.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += new TextDecoder().decode(value);
    }
    if (!seen.includes("ready")) throw new Error(`hot-ratio.ts did not get ready: ${seen} ${await new Response(child.stderr).text()}`);
    ticks = async (n: number) => {
      // The child prints "tick" per 250 ms of its own work: wait for the work, not for the clock.
      for (let got = 0; got < n; ) {
        const { value, done } = await reader.read();
        if (done) throw new Error("hot-ratio.ts exited before its ticks");
        got += new TextDecoder().decode(value).split("tick").length - 1;
      }
    };
  });

  afterAll(() => {
    child?.kill("SIGKILL");
  });

  test("names hotA and hotB at 3:1 (±5 points), and the CPU total is the thread's schedstat over the window (±10%)", async () => {
    const s = await openPerf({ pid: child.pid, jitdumpDir: dir });
    await s.enable();
    const a = schedstatNs(child.pid, child.pid)!;
    await ticks(10);
    const b = schedstatNs(child.pid, child.pid)!;
    await s.stop();
    const r = await s.result();
    const p = flatten(decodePprof(r.bytes));
    const share = shares(p, ["hotA", "hotB"]);
    const cpuNs = p.samples.reduce((t, x) => t + x.values[1]!, 0);
    expect({ types: p.sampleTypes.map((t) => `${t.type}/${t.unit}`), comment: p.comments[0], unresolved: r.stats.unresolvedJit }).toEqual({
      types: ["samples/count", "cpu/nanoseconds"],
      comment: `perf_events on-CPU profile: perf record -e cpu-clock -F 499 --call-graph fp, thread ${child.pid} of pid ${child.pid}`,
      unresolved: 0,
    });
    expect(Math.abs(share.hotA! - 0.75)).toBeLessThanOrEqual(0.05);
    expect(Math.abs(share.hotB! - 0.25)).toBeLessThanOrEqual(0.05);
    // The two functions are nearly all of the thread's CPU: both were found, not a sliver of them.
    expect(topRows(p, 1, "cum").filter((x) => x.name === "hotA" || x.name === "hotB").reduce((t, x) => t + x.cumShare, 0)).toBeGreaterThan(0.8);
    expect(Math.abs(cpuNs / (b - a) - 1)).toBeLessThanOrEqual(0.1);
    expect(Math.abs(cpuNs / r.schedstatNs! - 1)).toBeLessThanOrEqual(0.1);
  }, 60_000);

  test.skipIf(!go)("the CLI's file opens in go tool pprof -top, which names both functions", async () => {
    const out = join(scratch(), "perf.pprof");
    await using cliProc = Bun.spawn([process.execPath, "scripts/profile.ts", "perf", "--pid", String(child.pid), "--seconds", "1.5", "--out", out, "--quiet"], { cwd: PROJECT_ROOT, stdout: "pipe", stderr: "pipe" });
    const [cliErr, cliCode] = await Promise.all([new Response(cliProc.stderr).text(), cliProc.exited]);
    expect({ cliCode, cliErr }).toEqual({ cliCode: 0, cliErr: "" });
    await using proc = Bun.spawn([go!, "tool", "pprof", "-top", "-nodecount=20", out], { stdout: "pipe", stderr: "pipe", env: { ...process.env, PPROF_TMPDIR: scratch() } });
    const [text, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    expect({ code, err: code ? err : "" }).toEqual({ code: 0, err: "" });
    expect(text).toContain("Type: cpu");
    expect(text).toContain("hotA");
    expect(text).toContain("hotB");
  }, 60_000);
});
