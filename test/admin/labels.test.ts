/**
 * pprof labels: the batch classes and the attr's cardinality cap
 * (request-labels.ts), segment attribution by timestamp (segments.ts), and a
 * live service with --profile-label-attr under a thin + fat mix whose CPU and
 * block profiles carry route, variant, batch and the attr, as
 * `go tool pprof -tags` lists them and `-tagfocus=batch=fat` keeps them
 * (skipped, loudly, without go). The shares are checked against known costs
 * in test/profile/label-calibration.test.ts.
 */
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { KeySpace } from "../../src/domain/keys.ts";
import { batchClass, checkLabelAttr, type Labels, MISSING_VALUE, OVERFLOW_VALUE, RequestLabeler } from "../../src/admin/request-labels.ts";
import { SegmentLog } from "../../src/admin/segments.ts";
import { PROFILE_LABELS } from "../../src/config.ts";
import { PROJECT_ROOT } from "../../src/root.ts";
import { scratch } from "../support/fixtures.ts";
import { ENTRIES, fetchPprof, SEED, startAdminService } from "./support.ts";

const go = Bun.which("go");
if (!go) console.warn("labels.test.ts: `go` not found, SKIPPING the go tool pprof -tags/-tagfocus checks (apt-get install golang-go)");

describe("batch classes and label sets", () => {
  test("the mixes land mid-class: 1 thin, 100 default, 1,000 fat; the bounds are config's", () => {
    expect([1, PROFILE_LABELS.thinMaxEvents, PROFILE_LABELS.thinMaxEvents + 1, 100, PROFILE_LABELS.defaultMaxEvents, PROFILE_LABELS.defaultMaxEvents + 1, 1000].map((n) => batchClass(n))).toEqual(["thin", "thin", "default", "default", "default", "fat", "fat"]);
  });

  test("the attr's values are capped: later distinct values are 'other', a missing attr is '(unset)'", () => {
    const l = new RequestLabeler({ variant: "v9", attr: "tenant", attrCardinality: 2 });
    const of = (tenant?: string, n = 1) => l.parsed("/enrich", { events: Array.from({ length: n }, (_, i): { attrs: Record<string, string> } => ({ attrs: i === 0 && tenant !== undefined ? { tenant } : {} })) });
    expect(of("a")).toEqual({ route: "/enrich", variant: "v9", batch: "thin", tenant: "a" });
    expect(of("b", 1000)).toEqual({ route: "/enrich", variant: "v9", batch: "fat", tenant: "b" });
    expect(of("c").tenant).toBe(OVERFLOW_VALUE);
    expect(of("d").tenant).toBe(OVERFLOW_VALUE);
    expect(of("a").tenant).toBe("a");
    expect(of(undefined).tenant).toBe(MISSING_VALUE);
    expect(l.attrValuesSeen()).toBe(2);
    // Interned: equal label sets are one object, so samples carry a pointer.
    expect(of("a")).toBe(of("a"));
    expect(l.arrived("/healthz")).toEqual({ route: "/healthz", variant: "v9" });
    // One set per distinct (route, batch, attr), whichever part differs.
    const sets = [l.arrived("/enrich"), l.arrived("/healthz"), of("a"), of("a", 1000), of("b", 1000), of(undefined), l.parsed("/healthz", { events: [{ attrs: { tenant: "a" } }] })];
    expect(new Set(sets).size).toBe(sets.length);
    expect(l.arrived("/enrich")).toBe(sets[0]!);
    expect(of("b", 1000)).toBe(sets[4]!);
  });

  test("an attr may not shadow a label the profiles already use, and must be a label name", () => {
    for (const bad of ["route", "variant", "batch", "elapsed", "lock", "1tenant", "a b", ""]) expect({ bad, ok: checkLabelAttr(bad) === null }).toEqual({ bad, ok: false });
    for (const good of ["tenant", "customer_id", "x.y-z"]) expect(checkLabelAttr(good)).toBeNull();
  });

  test("--profile-label-attr with a reserved name is a usage error (exit 2)", () => {
    const r = Bun.spawnSync([process.execPath, "src/server.ts", "--profile-label-attr", "batch"], { cwd: PROJECT_ROOT, stdout: "pipe", stderr: "pipe" });
    expect(r.exitCode).toBe(2);
    expect(r.stderr.toString()).toContain("--profile-label-attr: 'batch' is already a label");
  });
});

describe("segments", () => {
  const a = { labels: { route: "/enrich", batch: "thin" } };
  const b = { labels: { route: "/enrich", batch: "fat" } };
  const none = { route: "(none)" };

  test("a sample gets the labels of the segment covering its time, or the unattributed ones", () => {
    const log = new SegmentLog();
    log.unattributed = none;
    log.setRecording(true);
    log.enter(a, 10);
    log.enter(b, 20); // a's segment ends where b's starts
    log.leave(b, 30);
    log.enter(a, 40);
    log.leave(b, 45); // not b's thread any more: no-op
    const samples = [5, 15, 25, 35, 41, 49].map((t) => ({ t, labels: undefined as Labels | undefined }));
    log.label(samples, 50); // the drain closes a's open segment at 50
    expect(samples.map((s) => s.labels)).toEqual([none, a.labels, b.labels, none, a.labels, a.labels]);
    // Segments over before the drain are forgotten, but the one it just closed is kept a moment: a sample stamped during the drain comes in the next.
    expect(log.held).toBe(1);
    const late = [{ t: 50, labels: undefined as Labels | undefined }, { t: 60, labels: undefined as Labels | undefined }];
    log.label(late, 70);
    expect(late.map((s) => s.labels)).toEqual([a.labels, none]);
    expect(log.held).toBe(0);
  });

  test("nothing is recorded while the sampler is off", () => {
    const log = new SegmentLog();
    log.enter(a, 10);
    log.leave(a, 20);
    expect(log.held).toBe(0);
    log.setRecording(true);
    log.enter(a, 30);
    log.enter(a, 31); // re-entering the running request does not split it
    log.leave(a, 40);
    expect(log.held).toBe(1);
    log.setRecording(false);
    expect(log.held).toBe(0);
  });
});

/** Bodies of `events` keys, the first event carrying attrs.tenant. */
function body(events: number, tenant: string, salt: number): string {
  const ks = new KeySpace(SEED);
  return JSON.stringify({ events: Array.from({ length: events }, (_, i) => ({ key: ks.keyString((salt * 7919 + i * 104729) % ENTRIES), attrs: i === 0 ? { tenant } : { i: String(i) } })) });
}

/** Fetch loops posting thin/acme and fat/globex bodies until stop(). */
function driveMix(url: string): { stop(): Promise<void> } {
  const thin = Array.from({ length: 8 }, (_, i) => body(1, "acme", i)), fat = Array.from({ length: 4 }, (_, i) => body(1000, "globex", i));
  let running = true;
  const loop = async (bodies: string[]) => {
    for (let i = 0; running; i++) {
      const res = await fetch(`${url}/enrich`, { method: "POST", headers: { "content-type": "application/json" }, body: bodies[i % bodies.length] });
      await res.arrayBuffer();
    }
  };
  const loops = [loop(thin), loop(thin), loop(fat)];
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

async function pprof(...args: string[]): Promise<string> {
  await using proc = Bun.spawn([go!, "tool", "pprof", ...args], { stdout: "pipe", stderr: "pipe", env: { ...process.env, PPROF_TMPDIR: scratch() } });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`go tool pprof ${args.join(" ")}: ${err}`);
  return out;
}

describe("a live service with --profile-label-attr tenant under a thin + fat mix", () => {
  test("CPU and block samples carry route, variant, batch and tenant; go tool pprof -tags lists them and -tagfocus keeps one class", async () => {
    const svc = await startAdminService(["--profile-label-attr", "tenant", "--variant", "v0"]);
    const load = driveMix(svc.url);
    try {
      const [cpu, block] = await Promise.all([fetchPprof(`${svc.adminUrl}/debug/pprof/profile?seconds=2&hz=200`), fetchPprof(`${svc.adminUrl}/debug/pprof/block?seconds=2&rate=1`)]);
      const kinds = new Set(cpu.samples.map((s) => `${s.labels.route}|${s.labels.variant}|${s.labels.batch ?? ""}|${s.labels.tenant ?? ""}`));
      expect(kinds.has("/enrich|v0|thin|acme")).toBe(true);
      expect(kinds.has("/enrich|v0|fat|globex")).toBe(true);
      expect(cpu.samples.filter((s) => s.labels.batch === "fat").reduce((a, s) => a + s.values[1]!, 0)).toBeGreaterThan(0);
      // Block stalls ≥ 1 ms under fat batches: some carry the fat request's labels.
      expect(block.samples.some((s) => s.labels.batch === "fat" && s.labels.route === "/enrich" && s.labels.variant === "v0")).toBe(true);
      if (!go) return;
      const dir = scratch();
      const file = join(dir, "cpu.pprof");
      writeFileSync(file, cpu.bytes);
      const tags = await pprof("-tags", "-tagshow=^(route|variant|batch|tenant)$", file);
      for (const line of [/^ *route: Total/m, /^ *variant: Total/m, /^ *batch: Total/m, /^ *tenant: Total/m, /: \/enrich$/m, /: v0$/m, /: fat$/m, /: thin$/m, /: globex$/m, /: acme$/m]) expect(tags).toMatch(line);
      const focused = await pprof("-tags", "-tagfocus=batch=fat", "-tagshow=^(batch|tenant)$", file);
      expect(focused).toMatch(/: fat$/m);
      expect(focused).not.toMatch(/: thin$/m);
      expect(focused).not.toMatch(/: acme$/m);
      const blockFile = join(dir, "block.pprof");
      writeFileSync(blockFile, block.bytes);
      expect(await pprof("-tags", "-tagshow=^(route|batch)$", blockFile)).toMatch(/: fat$/m);
    } finally {
      await load.stop();
      await svc.stop();
    }
  }, 60_000);
});
