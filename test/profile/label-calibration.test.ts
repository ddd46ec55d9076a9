/**
 * The CPU profile's pprof labels against known costs
 * (scripts/profile/calibrate/labels.ts): the labelled-cost server runs the
 * real hot-path app in front of a variant whose thin and fat batches burn
 * known, different amounts of CPU, under a known mix of two tenants. Each
 * label value's share of the labelled CPU must be within ±5 points of its
 * share of the burn by the kernel's clock, and nearly all of burnFat's
 * (burnThin's) CPU must carry batch=fat (thin): the request a sample is
 * labelled with is the one whose code the stack shows. Where go is installed,
 * `go tool pprof -tagfocus=batch=fat` on the same profile keeps exactly the
 * fat share computed here.
 */
import { expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { calibrateLabels, labelScoreTable } from "../../scripts/profile/calibrate/labels.ts";
import { TOLERANCE_POINTS } from "../../scripts/profile/calibrate/score.ts";
import { scratch } from "../support/fixtures.ts";
import { LABEL_CALIBRATE_DEFAULTS } from "../../src/config.ts";

const go = Bun.which("go");
if (!go) console.warn("label-calibration.test.ts: `go` not found, SKIPPING the go tool pprof -tagfocus check (apt-get install golang-go)");

/** What `go tool pprof -top` keeps after its filters over the profile's total ("Showing nodes accounting for X, Y% of Z total"), nothing dropped. */
async function pprofKeptShare(...args: string[]): Promise<number> {
  await using proc = Bun.spawn([go!, "tool", "pprof", "-top", "-unit=ms", "-nodefraction=0", "-nodecount=100000", ...args], { stdout: "pipe", stderr: "pipe", env: { ...process.env, PPROF_TMPDIR: scratch() } });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`go tool pprof ${args.join(" ")}: ${err}`);
  const m = /accounting for ([\d.]+)ms, [\d.]+% of ([\d.]+)ms total/.exec(out);
  if (!m) throw new Error(`no totals in go tool pprof output:\n${out}`);
  return Number(m[1]) / Number(m[2]);
}

test("label shares match the construction within the tolerance", async () => {
  const r = await calibrateLabels({ rps: LABEL_CALIBRATE_DEFAULTS.rps, seconds: LABEL_CALIBRATE_DEFAULTS.seconds, hz: LABEL_CALIBRATE_DEFAULTS.hz, pin: true });
  const s = r.score;
  console.log(labelScoreTable(s));
  // The construction held: both kinds of request ran in the window and the fat ones cost more each.
  expect(s.requests.thin! > s.requests.fat!).toBe(true);
  expect(s.requests.fat!).toBeGreaterThan(50);
  // Requests were on the thread for most of the profile: what no request covers is the loop, timers and native code.
  // (Checked first: when a busy machine starves the run clock, the native frame takes the CPU and too few JS samples remain to score.)
  expect({ unattributed: s.unattributed < 0.25 ? "under a quarter" : s.unattributed }).toEqual({ unattributed: "under a quarter" });
  for (const row of s.rows) expect({ label: `${row.label}=${row.value}`, off: Math.abs(row.profile - row.truth) * 100 <= TOLERANCE_POINTS ? "within" : (row.profile - row.truth) * 100 }).toEqual({ label: `${row.label}=${row.value}`, off: "within" });
  expect(s.rows.map((x) => `${x.label}=${x.value}`)).toEqual(["batch=fat", "batch=thin", "tenant=a", "tenant=b"]);
  expect(s.stackAgreement.burnFat).toBeGreaterThan(0.95);
  expect(s.stackAgreement.burnThin).toBeGreaterThan(0.95);
  expect(s.failures).toEqual([]);
  if (go) {
    const file = join(scratch(), "cpu.pprof");
    writeFileSync(file, r.pprof);
    expect(Math.abs((await pprofKeptShare("-tagfocus=batch=fat", file)) - s.fatOfTotal) * 100).toBeLessThan(0.5);
  }
}, 90_000);
