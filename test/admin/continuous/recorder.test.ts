/** The continuous profiler driven by an injected clock and sources: schedule, names, labels, retention, crash safety, push. */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodePprof, readSamples } from "../../../src/admin/pprof.ts";
import { captureFileName, listCaptures, parseCaptureName, removeStaleTemps, writeAtomic } from "../../../src/admin/continuous/files.ts";
import { ContinuousRecorder, type RecorderOptions } from "../../../src/admin/continuous/recorder.ts";
import { appName, ingestUrl } from "../../../src/admin/continuous/push.ts";
import { nextStart, validateSchedule } from "../../../src/admin/continuous/schedule.ts";
import { continuousFromFlags } from "../../../src/admin/continuous/flags.ts";
import { scratch } from "../../support/fixtures.ts";
import { FakeClock, fakeSources } from "./support.ts";
import { checkIngest, startReceiver } from "./pyroscope-receiver.ts";

const T0 = Date.UTC(2026, 11, 1, 3, 13, 27, 500); // 03:13:27.5 UTC
const IDENTITY = { commit: "abc123def456", variant: "v0", host: "box-1", worker: "0" };

function recorder(over: Partial<RecorderOptions> & { clock: FakeClock }): { rec: ContinuousRecorder; dir: string; logs: string[]; sources: ReturnType<typeof fakeSources> } {
  const dir = over.dir ?? join(scratch(), "cp");
  const logs: string[] = [];
  const sources = (over.sources as ReturnType<typeof fakeSources>) ?? fakeSources(over.clock, (n) => ({ work: 1e6 * (n + 1) }));
  const rec = new ContinuousRecorder({ dir, windowMs: 10_000, everyMs: 60_000, kinds: ["cpu", "heap", "block"], retention: { keepMs: 24 * 3600_000, maxFiles: 1000 }, identity: IDENTITY, hz: 100, log: (l) => logs.push(l), ...over, sources });
  return { rec, dir, logs, sources };
}

describe("schedule", () => {
  test("windows start on the clock's grid of the period, one after another", async () => {
    const clock = new FakeClock(T0);
    const { rec, dir } = recorder({ clock });
    await rec.start(4);
    const starts = [...new Set(listCaptures(dir).map((c) => new Date(c.startMs).toISOString()))];
    expect(starts).toEqual(["2026-12-01T03:14:00.000Z", "2026-12-01T03:15:00.000Z", "2026-12-01T03:16:00.000Z", "2026-12-01T03:17:00.000Z"]);
    expect(nextStart(T0, 60_000)).toBe(Date.UTC(2026, 11, 1, 3, 14));
    expect(nextStart(Date.UTC(2026, 11, 1, 3, 14), 60_000)).toBe(Date.UTC(2026, 11, 1, 3, 14));
  });

  test("a schedule that cannot run is refused with the reason", () => {
    expect(validateSchedule(10_000, 5_000)).toBe("the period (5000 ms) must be at least the window (10000 ms)");
    expect(validateSchedule(50, 60_000)).toBe("the window must be at least 100ms, got 50 ms");
    const clock = new FakeClock(T0);
    expect(() => recorder({ clock, windowMs: 70_000 })).toThrow("continuous profile: the period (60000 ms) must be at least the window (70000 ms)");
  });

  test("flags: defaults are 10 s every 60 s, all kinds; bad values are one-line errors", () => {
    const base = { "continuous-profile": "/tmp/x", "continuous-profile-window": 10_000, "continuous-profile-every": 60_000, "continuous-profile-keep": 86_400_000, "continuous-profile-max-files": 5000, "continuous-profile-kinds": "cpu,heap,block", "continuous-profile-heap-walk": 10, "profile-push": undefined };
    expect(continuousFromFlags(base)).toMatchObject({ dir: "/tmp/x", windowMs: 10_000, everyMs: 60_000, kinds: ["cpu", "heap", "block"], heapWalkBudgetMs: 10 });
    expect(continuousFromFlags({ ...base, "continuous-profile": undefined })).toBeUndefined();
    expect(() => continuousFromFlags({ ...base, "continuous-profile-kinds": "cpu,wall" })).toThrow("--continuous-profile-kinds: expected some of cpu, heap, block, got 'wall'");
    expect(() => continuousFromFlags({ ...base, "profile-push": "ftp://x" })).toThrow("--profile-push: expected an http(s) URL, got 'ftp://x'");
    expect(() => continuousFromFlags({ ...base, "continuous-profile": undefined, "profile-push": "http://x" })).toThrow("--profile-push needs --continuous-profile DIR");
    expect(() => continuousFromFlags({ ...base, "continuous-profile-keep": 1000 })).toThrow("--continuous-profile-keep: expected at least one period (1m), got 1s");
  });
});

describe("files", () => {
  test("each window writes one file per kind, named by time, kind, variant, commit, host, worker", async () => {
    const clock = new FakeClock(T0);
    const { rec, dir } = recorder({ clock });
    const r = await rec.cycle();
    expect(readdirSync(dir).sort()).toEqual(["20261201T031327Z_block_v0_abc123def456_box-1_w0.pb.gz", "20261201T031327Z_cpu_v0_abc123def456_box-1_w0.pb.gz", "20261201T031327Z_heap_v0_abc123def456_box-1_w0.pb.gz"]);
    expect(r).toMatchObject({ fromMs: T0, untilMs: T0 + 10_000, errors: [], pruned: [] });
    expect(parseCaptureName("20261201T031327Z_cpu_v0-turbo-json_abc-dirty_my.host_w3.pb.gz")).toEqual({ startMs: Date.UTC(2026, 11, 1, 3, 13, 27), kind: "cpu", variant: "v0-turbo-json", commit: "abc-dirty", host: "my.host", worker: 3 });
    expect(captureFileName({ startMs: T0, kind: "cpu", variant: "v_1", commit: "x y", host: "h_1", worker: 2 })).toBe("20261201T031327Z_cpu_v-1_x-y_h-1_w2.pb.gz");
    expect(parseCaptureName("meta.json")).toBeNull();
  });

  test("every sample carries time, commit, variant, host and worker, and the comments say them too", async () => {
    const clock = new FakeClock(T0);
    const { rec, dir } = recorder({ clock });
    await rec.cycle();
    for (const c of listCaptures(dir)) {
      const p = decodePprof(await Bun.file(c.path).bytes());
      const samples = readSamples(p);
      expect(samples.length).toBeGreaterThan(0);
      for (const s of samples) expect(s.labels).toEqual({ time: "2026-12-01T03:13:27.500Z", ...IDENTITY });
      const comments = p.comment.map((i) => p.stringTable.strings[Number(i)]);
      expect(comments).toContain("continuous profile: 10 s window every 60 s, started 2026-12-01T03:13:27.500Z");
      expect(comments).toContain("commit abc123def456; variant v0; host box-1; worker 0");
    }
  });

  test("retention: files older than keep go, and never more than max-files remain (oldest first)", async () => {
    const clock = new FakeClock(T0);
    const { rec, dir } = recorder({ clock, kinds: ["cpu"], retention: { keepMs: 5 * 60_000, maxFiles: 1000 } });
    await rec.start(12);
    // Windows at 03:14 .. 03:25; after the last (ending 03:25:10) only those started within 5 min are left.
    expect(listCaptures(dir).map((c) => new Date(c.startMs).toISOString().slice(11, 16))).toEqual(["03:21", "03:22", "03:23", "03:24", "03:25"]);
    const b = recorder({ clock: new FakeClock(T0), kinds: ["cpu", "heap"], retention: { keepMs: 24 * 3600_000, maxFiles: 6 } });
    await b.rec.start(10);
    const left = listCaptures(b.dir);
    expect(left.length).toBe(6);
    expect(left.map((c) => new Date(c.startMs).toISOString().slice(11, 16))).toEqual(["03:21", "03:21", "03:22", "03:22", "03:23", "03:23"]);
  });

  test("a kind that fails is reported and the others are still written", async () => {
    const clock = new FakeClock(T0);
    const { rec, dir, logs } = recorder({ clock, sources: fakeSources(clock, () => ({ w: 1 }), ["heap"]) });
    const r = await rec.cycle();
    expect(r.errors).toEqual(["heap: broken on purpose"]);
    expect(listCaptures(dir).map((c) => c.kind).sort()).toEqual(["block", "cpu"]);
    expect(logs[0]).toBe("continuous profile: 2 file(s) for 2026-12-01T03:13:27.500Z; heap: broken on purpose");
  });
});

describe("crash safety", () => {
  test("a write goes through a temp file and a rename: no temp file stays, a failed rename leaves neither a torn file nor the temp", async () => {
    const dir = scratch();
    await writeAtomic(dir, "a.pb.gz", new Uint8Array([1, 2, 3]));
    expect(readdirSync(dir)).toEqual(["a.pb.gz"]);
    // The target is a non-empty directory: rename fails, nothing half-written is left under either name.
    mkdirSync(join(dir, "b.pb.gz"));
    writeFileSync(join(dir, "b.pb.gz", "x"), "");
    expect(writeAtomic(dir, "b.pb.gz", new Uint8Array([1]))).rejects.toThrow();
    expect(readdirSync(dir).sort()).toEqual(["a.pb.gz", "b.pb.gz"]);
  });

  test("temp files of a writer that died are removed at start; a live writer's are left", () => {
    const dir = scratch();
    const dead = Bun.spawnSync(["true"]).pid; // exited and reaped: its pid is free
    writeFileSync(join(dir, `.tmp-${dead}-x.pb.gz`), "torn");
    writeFileSync(join(dir, `.tmp-${process.ppid}-y.pb.gz`), "in progress");
    expect(removeStaleTemps(dir)).toEqual([`.tmp-${dead}-x.pb.gz`]);
    expect(existsSync(join(dir, `.tmp-${process.ppid}-y.pb.gz`))).toBe(true);
    // History and the scheduler never see a temp file as a capture.
    expect(listCaptures(dir)).toEqual([]);
  });
});

describe("push to a Pyroscope-compatible /ingest", () => {
  const receiver = startReceiver();
  afterAll(() => receiver.stop());

  test("each capture is pushed with the same labels, accepted by a receiver that checks the documented API", async () => {
    const clock = new FakeClock(T0);
    const { rec } = recorder({ clock, push: { url: receiver.url, timeoutMs: 5000 } });
    const r = await rec.cycle();
    expect(r.pushed).toEqual({ cpu: 200, heap: 200, block: 200 });
    expect(receiver.rejected).toEqual([]);
    expect(receiver.accepted.map((a) => a.sampleTypes)).toEqual([["samples/count", "cpu/nanoseconds"], ["inuse_objects/count", "inuse_space/bytes"], ["stalls/count", "delay/nanoseconds"]]);
    for (const a of receiver.accepted) {
      expect(a).toMatchObject({ app: "enrich", labels: { commit: "abc123def456", variant: "v0", host: "box-1", worker: "0" }, from: Math.floor(T0 / 1000), until: Math.ceil((T0 + 10_000) / 1000) });
      // The pushed file's samples carry the same labels as the name.
      for (const l of a.sampleLabels) expect(l).toMatchObject(a.labels);
    }
  });

  test("the receiver refuses what the API does not allow (it can fail)", async () => {
    const good = ingestUrl(receiver.url, { time: "", ...IDENTITY }, T0, T0 + 10_000, 100);
    const noUntil = new URL(good);
    noUntil.searchParams.delete("until");
    await expect(checkIngest(new Request(noUntil.href, { method: "POST", body: new FormData() }))).rejects.toThrow("from and until must be Unix seconds");
    await expect(checkIngest(new Request(good.href, { method: "POST", body: "raw bytes", headers: { "content-type": "application/octet-stream" } }))).rejects.toThrow("expected multipart/form-data");
    const noConfig = new FormData();
    noConfig.append("profile", new Blob([new Uint8Array([1])]), "p");
    await expect(checkIngest(new Request(good.href, { method: "POST", body: noConfig }))).rejects.toThrow();
    expect(appName({ time: "t", commit: "a,b", variant: "v{0}", host: "h", worker: "1" })).toBe("enrich{commit=a-b,variant=v-0-,host=h,worker=1}");
  });

  test("a server that answers an error is logged and the files stay", async () => {
    const clock = new FakeClock(T0);
    const { rec, dir } = recorder({ clock, push: { url: `${receiver.url}/not-ingest/`, timeoutMs: 5000 }, kinds: ["cpu"] });
    const r = await rec.cycle();
    // ingestUrl appends /ingest to a base path: /not-ingest/ingest is refused by the receiver.
    expect(r.pushed).toEqual({ cpu: 400 });
    expect(r.errors).toEqual(["push cpu: HTTP 400"]);
    expect(listCaptures(dir).length).toBe(1);
  });
});
