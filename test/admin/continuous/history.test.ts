/** `bun scripts/profile.ts history`: captures of a range (or a version) merged into one profile, and two of them compared. */
import { beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { ContinuousRecorder } from "../../../src/admin/continuous/recorder.ts";
import { decodePprof, readSamples } from "../../../src/admin/pprof.ts";
import { atRange, listCaptures, parseRange, parseTime, select } from "../../../scripts/profile/history/select.ts";
import { PROJECT_ROOT } from "../../../src/root.ts";
import { scratch } from "../../support/fixtures.ts";
import { FakeClock, fakeSources } from "./support.ts";

const T0 = Date.UTC(2026, 11, 1, 2, 59, 30);
let dir = "";

/** Ten windows 03:00..03:09 of commit aaa, then ten 03:10..03:19 of commit bbb in which `slow` grows from nothing to 3 ms per window. */
beforeAll(async () => {
  dir = join(scratch(), "cp");
  const clock = new FakeClock(T0);
  for (const [commit, content] of [["aaa111", () => ({ fast: 1e6 })], ["bbb222", () => ({ fast: 1e6, slow: 3e6 })]] as const) {
    const rec = new ContinuousRecorder({ dir, windowMs: 10_000, everyMs: 60_000, kinds: ["cpu", "heap"], retention: { keepMs: 86_400_000, maxFiles: 1000 }, identity: { commit, variant: "v0", host: "h", worker: "0" }, hz: 100, clock, sources: fakeSources(clock, content) });
    await rec.start(10);
  }
});

async function history(...args: string[]) {
  await using p = Bun.spawn([process.execPath, "scripts/profile.ts", "history", dir, ...args], { cwd: PROJECT_ROOT, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { out, err, code, path: out.trim().split("\n").pop()! };
}

const totalOf = async (path: string, frame?: string) => readSamples(decodePprof(await Bun.file(path).bytes())).filter((s) => !frame || s.frames[0]!.name === frame).reduce((a, s) => a + s.values[1]!, 0);

describe("selection", () => {
  test("HH:MM is the latest such time at or before the newest capture; a range end is the first after its start", () => {
    const ref = Date.UTC(2026, 11, 1, 3, 19);
    expect(parseTime("03:14", ref)).toBe(Date.UTC(2026, 11, 1, 3, 14));
    expect(parseTime("23:50", ref)).toBe(Date.UTC(2026, 10, 30, 23, 50));
    expect(parseRange("23:50..00:10", ref)).toEqual({ fromMs: Date.UTC(2026, 10, 30, 23, 50), toMs: Date.UTC(2026, 11, 1, 0, 10) });
    expect(parseTime("2026-12-01T03:14", ref)).toBe(Date.UTC(2026, 11, 1, 3, 14));
    expect(() => parseTime("25:00", ref)).toThrow("'25:00' is not a time of day (HH:MM, UTC)");
    expect(() => parseRange("03:00", ref)).toThrow("'03:00' is not a range: expected FROM..TO, e.g. 03:00..03:10");
    const all = listCaptures(dir);
    expect(select(all, { kind: "cpu" }, atRange("03:14", ref, 60_000)).map((c) => c.file)).toEqual(["20261201T031400Z_cpu_v0_bbb222_h_w0.pb.gz"]);
    expect(select(all, { kind: "cpu", commit: "aaa" }).length).toBe(10);
  });
});

describe("history", () => {
  test("--at HH:MM answers from the capture of that minute, as a profile top/list read", async () => {
    const r = await history("--at", "03:14");
    expect(r.code).toBe(0);
    expect(r.out).toContain("A: 1 cpu captures started 2026-12-01T03:14:00Z .. 2026-12-01T03:15:00Z");
    expect(r.path).toBe(join(dir, "history", "cpu-20261201T031400Z-20261201T031400Z.pb.gz"));
    expect(await totalOf(r.path)).toBe(4e6);
    const top = Bun.spawnSync([process.execPath, "scripts/profile.ts", "top", r.path, "--builtin"], { cwd: PROJECT_ROOT });
    expect(top.stdout.toString()).toContain("cpu/nanoseconds: total 4.00ms");
  });

  test("--from/--to sums CPU over the range; labels survive, so -tagfocus can split the merge by commit", async () => {
    const r = await history("--from", "03:05", "--to", "03:15");
    expect(r.code).toBe(0);
    expect(r.out).toContain("A: 10 cpu captures");
    expect(r.out).toContain("commit aaa111,bbb222");
    // 5 windows of aaa (1 ms) + 5 of bbb (4 ms).
    expect(await totalOf(r.path)).toBe(25e6);
    const labels = readSamples(decodePprof(await Bun.file(r.path).bytes())).map((s) => s.labels.commit);
    expect(new Set(labels)).toEqual(new Set(["aaa111", "bbb222"]));
  });

  test("heap captures are averaged, not summed", async () => {
    const r = await history("--from", "03:00", "--to", "03:20", "--kind", "heap");
    expect(r.code).toBe(0);
    expect(await totalOf(r.path)).toBe(2.5e6); // mean of ten 1e6 and ten 4e6 windows
  });

  test("--diff-range names the frame that grew between two ranges", async () => {
    const r = await history("--from", "03:00", "--to", "03:10", "--diff-range", "03:10..03:20");
    expect(r.code).toBe(0);
    const first = r.out.split("\n").find((l) => l.includes("%") && l.includes("slow"))!;
    expect(first).toMatch(/^\s+\+75\.00%\s+0\.00%\s+75\.00%/);
  });

  test("--commit A --diff-commit B compares two versions", async () => {
    const r = await history("--commit", "aaa", "--diff-commit", "bbb");
    expect(r.code).toBe(0);
    expect(r.out).toContain("A: 10 cpu captures of commit aaa");
    expect(r.out).toContain("B: 10 cpu captures of commit bbb");
    expect(r.out).toMatch(/\+75\.00%.*slow/);
  });

  test("an empty range says what the directory holds; bad flags exit 2", async () => {
    const r = await history("--at", "04:30");
    expect(r.code).toBe(1);
    expect(r.err).toContain("error: history: no cpu captures started");
    expect(r.err).toContain("it holds 40 capture(s) from 2026-12-01T03:00:00Z to 2026-12-01T03:19:00Z");
    expect((await history("--from", "03:00")).err).toBe("error: history: --from and --to go together\n");
    expect((await history("--diff-commit", "bbb")).code).toBe(2);
  });
});
