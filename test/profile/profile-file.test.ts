/**
 * Bun's own profiler files through the analysis commands, as a user runs
 * them: a tiny script under `bun --cpu-prof` and `--heap-prof` (ends by its
 * own exit, which is when Bun writes the files), a server under `--cpu-prof`
 * stopped by SIGTERM, then top (built-in and go tool pprof), convert, report.
 * The go checks are skipped, and say so, without go.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { heapToPprof } from "../../src/admin/heap.ts";
import { PROJECT_ROOT } from "../../src/root.ts";
import { decodePprof, flatten } from "../../src/admin/pprof.ts";
import { scratch } from "../support/fixtures.ts";

const go = Bun.which("go");
if (!go) console.warn("profile-file.test.ts: `go` not found, skipping the go tool pprof checks (apt-get install golang-go)");

/** Two named hot functions, kept out of line so the sampler sees them; about 300 ms of work, then a normal exit. */
const SCRIPT = `import { noInline } from "bun:jsc";
function burnSqrt(ms) { const end = performance.now() + ms; let x = 0; while (performance.now() < end) x += Math.sqrt(x + 1); return x; }
function buildKeys(n) { const a = []; for (let i = 0; i < n; i++) a.push("key-" + i); return a.length; }
noInline(burnSqrt); noInline(buildKeys);
globalThis.kept = [];
const t0 = performance.now();
while (performance.now() - t0 < 300) { burnSqrt(2); kept.push(buildKeys(20000)); }
class RetainedThing { constructor(i) { this.i = i; } }
globalThis.retained = Array.from({ length: 5000 }, (_, i) => new RetainedThing(i));
`;

/** A server whose SIGTERM handler exits normally (as src/service/start.ts drains and exits): Bun writes the profile at that exit. */
const SERVER = `import { noInline } from "bun:jsc";
function answerRequest() { let x = 0; for (let i = 0; i < 300000; i++) x += Math.sqrt(i); return String(x); }
noInline(answerRequest);
const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response(answerRequest()) });
process.on("SIGTERM", () => { server.stop(true); process.exit(0); });
console.log("ready " + server.port);
`;

const dir = scratch();
const cpuDir = join(dir, "cpu"), heapDir = join(dir, "heap"), serverDir = join(dir, "server"), bareDir = join(dir, "bare");
const only = (d: string) => {
  const files = existsSync(d) ? readdirSync(d) : [];
  if (files.length !== 1) throw new Error(`${d}: expected one profile, found ${JSON.stringify(files)}`);
  return join(d, files[0]!);
};

async function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  await using proc = Bun.spawn(args, { cwd: PROJECT_ROOT, stdout: "pipe", stderr: "pipe", env: { ...process.env, ...env } });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, out, err };
}
const profileCli = (...args: string[]) => run([process.execPath, "scripts/profile.ts", ...args]);

/** Starts SERVER under --cpu-prof-dir `into`, waits for "ready", sends requests, sends SIGTERM; resolves with its exit code. */
async function serverRun(into: string, withHandler: boolean): Promise<number | null> {
  const script = join(dir, withHandler ? "server.ts" : "bare-server.ts");
  writeFileSync(script, withHandler ? SERVER : SERVER.replace(/^process\.on.*$/m, ""));
  await using proc = Bun.spawn([process.execPath, "--cpu-prof", "--cpu-prof-dir", into, script], { stdout: "pipe", stderr: "inherit" });
  let text = "";
  const decoder = new TextDecoder();
  for await (const chunk of proc.stdout) {
    text += decoder.decode(chunk);
    if (text.includes("\n")) break;
  }
  const port = /ready (\d+)/.exec(text)?.[1];
  if (!port) throw new Error(`server did not say ready: ${text}`);
  for (let i = 0; i < 40; i++) await (await fetch(`http://127.0.0.1:${port}/`)).text();
  proc.kill("SIGTERM");
  await proc.exited;
  return proc.exitCode;
}

let cpuFile = "", heapFile = "";

beforeAll(async () => {
  const script = join(dir, "hot.ts");
  writeFileSync(script, SCRIPT);
  const cpu = await run([process.execPath, "--cpu-prof", "--cpu-prof-dir", cpuDir, script]);
  const heap = await run([process.execPath, "--heap-prof", "--heap-prof-dir", heapDir, script]);
  expect({ cpu: cpu.code, heap: heap.code }).toEqual({ cpu: 0, heap: 0 });
  cpuFile = only(cpuDir);
  heapFile = only(heapDir);
});

describe("what Bun writes", () => {
  test("--cpu-prof: a .cpuprofile (nodes, samples, timeDeltas); --heap-prof: a V8 heap snapshot named .heapprofile", () => {
    const cp = JSON.parse(readFileSync(cpuFile, "utf8"));
    const hs = JSON.parse(readFileSync(heapFile, "utf8"));
    expect({
      cpuName: cpuFile.endsWith(".cpuprofile"),
      cpuKeys: Object.keys(cp).sort(),
      sameLength: cp.samples.length === cp.timeDeltas.length,
      heapName: heapFile.endsWith(".heapprofile"),
      heapNodeFields: hs.snapshot.meta.node_fields.slice(0, 4),
    }).toEqual({ cpuName: true, cpuKeys: ["endTime", "nodes", "samples", "startTime", "timeDeltas"], sameLength: true, heapName: true, heapNodeFields: ["type", "name", "id", "self_size"] });
  });

  test("a server: SIGTERM with a handler that exits writes the profile; SIGTERM without one writes none", async () => {
    const handled = await serverRun(serverDir, true);
    const bare = await serverRun(bareDir, false);
    expect({ handled, written: existsSync(serverDir) && readdirSync(serverDir).length === 1, bare, bareWritten: existsSync(bareDir) && readdirSync(bareDir).length > 0 }).toEqual({
      handled: 0,
      written: true,
      bare: null,
      bareWritten: false,
    });
    const top = await profileCli("top", serverDir, "--builtin");
    expect({ code: top.code, named: top.out.includes("answerRequest") }).toEqual({ code: 0, named: true });
  });
});

describe("the analysis commands read them", () => {
  test("top --builtin on the .cpuprofile (and on its directory) names the hot functions, in cpu time", async () => {
    const byFile = await profileCli("top", cpuFile, "--builtin");
    const byDir = await profileCli("top", cpuDir, "--builtin");
    expect({ code: byFile.code, err: byFile.err, sameByDir: byDir.out === byFile.out }).toEqual({ code: 0, err: "", sameByDir: true });
    expect(byFile.out).toMatch(/^cpu\/nanoseconds: total \d+(\.\d+)?ms/);
    expect(byFile.out).toContain("burnSqrt");
    expect(byFile.out).toContain("buildKeys");
  });

  test("top --profile heap on the heap snapshot's directory: bytes by constructor", async () => {
    const r = await profileCli("top", heapDir, "--profile", "heap", "--builtin", "-n", "40");
    expect({ code: r.code, err: r.err, bytes: r.out.startsWith("inuse_space/bytes:"), retained: r.out.includes("RetainedThing") }).toEqual({ code: 0, err: "", bytes: true, retained: true });
  });

  test("convert: the heap snapshot gives what /debug/pprof/heap?format=pprof gives for it", async () => {
    const out = join(dir, "heap.pb.gz");
    const r = await profileCli("convert", heapFile, "--out", out);
    expect(r.code).toBe(0);
    const mine = flatten(decodePprof(readFileSync(out)));
    const endpoint = flatten(decodePprof(heapToPprof(readFileSync(heapFile, "utf8"))));
    expect({ types: mine.sampleTypes, samples: mine.samples }).toEqual({ types: endpoint.sampleTypes, samples: endpoint.samples });
  });

  test("report on a lone .cpuprofile writes a page with its flame graph and top table", async () => {
    const out = join(dir, "cpu.html");
    const r = await profileCli("report", cpuFile, "--out", out);
    const html = existsSync(out) ? readFileSync(out, "utf8") : "";
    expect({ code: r.code, printed: r.out.trim(), flame: html.includes("Flame graph"), top: html.includes("Top frames"), named: html.includes("burnSqrt") }).toEqual({ code: 0, printed: out, flame: true, top: true, named: true });
  });

  test("a JSON file that is no profile is refused with what was expected", async () => {
    const bad = join(dir, "not-a-profile.json");
    writeFileSync(bad, JSON.stringify({ hello: 1 }));
    const r = await profileCli("top", bad, "--builtin");
    expect({ code: r.code, says: r.err.includes("neither a .cpuprofile") }).toEqual({ code: 1, says: true });
  });
});

describe.skipIf(!go)("go tool pprof", () => {
  test("top (go) on the .cpuprofile and the heap snapshot: a converted copy, the same functions", async () => {
    const cpu = await profileCli("top", cpuFile);
    const heap = await profileCli("top", heapFile, "-n", "40");
    expect({ cpu: cpu.code, cpuType: cpu.out.includes("Type: cpu"), named: cpu.out.includes("burnSqrt"), heap: heap.code, heapType: heap.out.includes("Type: inuse_space"), retained: heap.out.includes("RetainedThing") }).toEqual({
      cpu: 0, cpuType: true, named: true, heap: 0, heapType: true, retained: true,
    });
  });

  test("convert → go tool pprof -top reads the pprof, with no warning", async () => {
    const out = join(dir, "cpu.pb.gz");
    expect((await profileCli("convert", cpuFile, "--out", out)).code).toBe(0);
    const r = await run([go!, "tool", "pprof", "-top", out], { PPROF_TMPDIR: dir });
    expect({ code: r.code, type: r.out.includes("Type: cpu"), named: r.out.includes("burnSqrt") && r.out.includes("buildKeys"), warned: r.err.includes("Main binary") }).toEqual({ code: 0, type: true, named: true, warned: false });
  });
});
