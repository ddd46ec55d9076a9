/**
 * The profiles read by the tool users actually run: `go tool pprof -top` and
 * `-base` on captures from a live service. Skipped (and says so) without go;
 * CI installs golang-go (.ci/run).
 */
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { scratch } from "../support/fixtures.ts";
import { blockRateInForce, serviceUnderLoad } from "./support.ts";

const go = Bun.which("go");
const V0 = ["enrichBatchV0", "lookupUnderIndexLock", "parseKeyWithBigInt", "decodeFieldsByHand", "payloadHex", "serializeByConcatenation", "cloneRulesPerRequest", "auditCopyOfBatch"];
if (!go) console.warn("go-pprof.test.ts: `go` not found, skipping the go tool pprof checks (apt-get install golang-go)");

/**
 * pprof runs `go tool pprof <args>` and returns its stdout (throws with stderr on failure).
 * Asynchronously: the load loops live in this process and must keep running while pprof fetches.
 */
async function pprof(...args: string[]): Promise<string> {
  await using proc = Bun.spawn([go!, "tool", "pprof", ...args], { stdout: "pipe", stderr: "pipe", env: { ...process.env, PPROF_TMPDIR: scratch() } });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`go tool pprof ${args.join(" ")}: ${err}`);
  return out;
}

describe.skipIf(!go)("go tool pprof", () => {
  const live = serviceUnderLoad();
  const dir = scratch();
  const save = async (url: string, name: string) => {
    const res = await fetch(url);
    expect(res.status).toBe(200);
    const path = join(dir, name);
    writeFileSync(path, new Uint8Array(await res.arrayBuffer()));
    return path;
  };


  test("-top on a CPU profile names the enrich pipeline's functions", async () => {
    const cpu = await save(`${live.svc.adminUrl}/debug/pprof/profile?seconds=1.5&hz=200`, "cpu.pb.gz");
    const out = await pprof("-top", "-nodecount=200", cpu);
    expect(out).toContain("Type: cpu");
    expect(out).toContain("enrichBatchV0");
    expect(V0.filter((n) => out.includes(n)).length).toBeGreaterThanOrEqual(3);
  });

  test("the live URL works as users type it, and -base diffs two captures", async () => {
    const top = await pprof("-top", "-nodecount=200", `${live.svc.adminUrl}/debug/pprof/profile?seconds=1`);
    expect(top).toContain("enrichBatchV0");
    const a = await save(`${live.svc.adminUrl}/debug/pprof/profile?seconds=1`, "a.pb.gz");
    const b = await save(`${live.svc.adminUrl}/debug/pprof/profile?seconds=1`, "b.pb.gz");
    const diff = await pprof("-top", "-nodecount=200", "-base", a, b);
    expect(diff).toContain("Type: cpu");
    // A diff drops what cancelled exactly; among the pipeline's functions, some always differ between two captures.
    expect(V0.filter((n) => diff.includes(n)).length).toBeGreaterThanOrEqual(2);
    // And a profile minus itself is empty.
    expect(await pprof("-top", "-base", a, a)).toMatch(/accounting for 0, 0% of 0 total/);
  });

  test("-base on two heap profiles, -top on block (with the injected task) and goroutine", async () => {
    // As Go users type it: no format, and pprof is what go tool pprof gets.
    expect(await pprof("-top", `${live.svc.adminUrl}/debug/pprof/heap`)).toContain("Type: inuse_space");
    const h1 = await save(`${live.svc.adminUrl}/debug/pprof/heap?format=pprof`, "h1.pb.gz");
    const h2 = await save(`${live.svc.adminUrl}/debug/pprof/heap?format=pprof&gc=1`, "h2.pb.gz");
    expect(await pprof("-top", "-base", h1, h2)).toContain("Type: inuse_space");
    const block = fetch(`${live.svc.adminUrl}/debug/pprof/block?seconds=1&rate=50`);
    await blockRateInForce(live.svc.adminUrl, 50);
    // The self-test stalls once the window's sampler is live.
    await fetch(`${live.svc.adminUrl}/debug/pprof/selftest/block?ms=200`, { method: "POST" });
    const res = await block;
    const path = join(dir, "block.pb.gz");
    writeFileSync(path, new Uint8Array(await res.arrayBuffer()));
    const top = await pprof("-top", path);
    expect(top).toContain("Type: delay");
    expect(top).toContain("injectedLongTask");
    expect(await pprof("-top", await save(`${live.svc.adminUrl}/debug/pprof/goroutine`, "g.pb.gz"))).toContain("Type: goroutine");
  });
});
