/** The real service with --continuous-profile (short schedule) under load: files on disk, labels go tool pprof lists, pushes accepted, history reads them. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { listCaptures } from "../../../src/admin/continuous/files.ts";
import { decodePprof, readSamples, sampleTypes } from "../../../src/admin/pprof.ts";
import { goAvailable } from "../../../scripts/profile/go-pprof.ts";
import { PROJECT_ROOT } from "../../../src/root.ts";
import { scratch } from "../../support/fixtures.ts";
import type { RunningService } from "../../support/service.ts";
import { drive, startAdminService } from "../support.ts";
import { startReceiver } from "./pyroscope-receiver.ts";

const dir = join(scratch(), "continuous");
const receiver = startReceiver();
let svc: RunningService;
let load: { stop(): Promise<number> };

beforeAll(async () => {
  svc = await startAdminService(["--continuous-profile", dir, "--continuous-profile-window", "1s", "--continuous-profile-every", "2s", "--profile-push", receiver.url]);
  load = drive(svc.url);
  // Two whole windows written (the log line comes after the files and the pushes).
  await svc.waitForLog(/continuous profile: 3 file\(s\)[^]*continuous profile: 3 file\(s\)/, 30_000);
}, 40_000);

afterAll(async () => {
  await load?.stop();
  await svc?.stop();
  receiver.stop();
});

test("every window leaves a cpu, heap and block file, labelled, with a meta.json for the directory", async () => {
  const caps = listCaptures(dir);
  const byStart = Map.groupBy(caps, (c) => c.startMs);
  expect(byStart.size).toBeGreaterThanOrEqual(2);
  for (const group of [...byStart.values()].slice(0, 2)) expect(group.map((c) => c.kind).sort()).toEqual(["block", "cpu", "heap"]);
  const cpu = caps.find((c) => c.kind === "cpu")!;
  expect(cpu).toMatchObject({ variant: "v0", worker: 0 });
  const p = decodePprof(await Bun.file(cpu.path).bytes());
  expect(sampleTypes(p)).toEqual(["samples/count", "cpu/nanoseconds"]);
  const samples = readSamples(p);
  expect(samples.reduce((a, s) => a + s.values[1]!, 0)).toBeGreaterThan(0);
  for (const s of samples) expect(Object.keys(s.labels)).toEqual(expect.arrayContaining(["time", "commit", "variant", "host", "worker"]));
  expect(samples[0]!.labels.commit).toBe(cpu.commit);
  const meta = await Bun.file(join(dir, "meta.json")).json();
  expect(meta).toMatchObject({ variant: "v0", schedule: { windowMs: 1000, everyMs: 2000, alignedTo: "epoch" }, kinds: ["cpu", "heap", "block"], push: receiver.url });
});

test("each capture was pushed and accepted by the Pyroscope-API receiver", () => {
  expect(receiver.rejected).toEqual([]);
  const kinds = receiver.accepted.map((a) => a.sampleTypes[0]);
  expect(kinds.filter((k) => k === "samples/count").length).toBeGreaterThanOrEqual(2);
  expect(kinds).toContain("inuse_objects/count");
  // Block windows without a stall ≥ 40 ms are empty: on disk, not pushed (sources.test.ts shows a stall's window).
  expect(receiver.accepted[0]!.labels).toMatchObject({ variant: "v0", worker: "0" });
});

test.skipIf(!goAvailable())("go tool pprof -tags lists commit, variant and host on a capture", () => {
  const cpu = listCaptures(dir).find((c) => c.kind === "cpu")!;
  const r = Bun.spawnSync(["go", "tool", "pprof", "-tags", cpu.path], { stdout: "pipe", stderr: "pipe" });
  const out = r.stdout.toString();
  for (const key of ["commit:", "variant:", "host:", "time:", "worker:"]) expect(out).toContain(key);
  expect(out).toContain(cpu.commit);
});

test("history merges the directory's windows into one profile", () => {
  const caps = listCaptures(dir).filter((c) => c.kind === "cpu");
  const from = new Date(caps[0]!.startMs).toISOString();
  const to = new Date(caps[caps.length - 1]!.startMs + 1000).toISOString();
  const r = Bun.spawnSync([process.execPath, "scripts/profile.ts", "history", dir, "--from", from, "--to", to], { cwd: PROJECT_ROOT, stdout: "pipe", stderr: "pipe" });
  expect(r.stderr.toString()).toBe("");
  expect(r.exitCode).toBe(0);
  expect(r.stdout.toString()).toContain(`A: ${caps.length} cpu captures`);
});
