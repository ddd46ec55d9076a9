/**
 * bench/paired-served.ts's usage paths, and one tiny run's accounting: it
 * checks both sides' answers, writes what it says, and its sign test counts
 * what it timed. How large a difference it finds is a benchmark's business,
 * not a test's: nothing here asserts on a timing.
 */
import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const SCRIPT = join(import.meta.dir, "../../bench/paired-served.ts");
const run = (...args: string[]) => Bun.spawnSync([process.execPath, SCRIPT, ...args], { stdout: "pipe", stderr: "pipe" });

test("paired-served --help names every flag", () => {
  const r = run("--help");
  expect(r.exitCode).toBe(0);
  for (const flag of ["--variants", "--revs", "--variant", "--untracked", "--size", "--pairs", "--chunk", "--warmup", "--out"]) expect(r.stdout.toString()).toContain(flag);
});

test("paired-served refuses anything but two known variants, and counts that are not integers, in one line, exit 2", () => {
  for (const [args, said] of [
    [["--variants", "v0"], "--variants: expected two, A,B, got 'v0'"],
    [["--variants", "v0,v0", "--revs", "HEAD,HEAD"], "give exactly one of --variants A,B or --revs A,B"],
    [["--revs", "HEAD,not-a-commit-here"], "'not-a-commit-here' is not a commit in this repository"],
    [["--variants", "v0,nope"], "--variants: unknown variant 'nope'"],
    [["--variants", "v0,v0", "--pairs", "2"], "--pairs: expected an integer of at least 3, got 2"],
    [["--variants", "v0,v0", "--chunk", "1.5"], "--chunk: expected an integer of at least 1, got 1.5"],
  ] as const) {
    const r = run(...args);
    expect({ code: r.exitCode, said: r.stderr.toString().includes(said) }).toEqual({ code: 2, said: true });
  }
});

test("a tiny run writes its pairs, and its sign test counts the pairs it timed", () => {
  const out = mkdtempSync(join(tmpdir(), "paired-served-"));
  const r = run("--variants", "v24-thin-unparsed,v25-in-turn-answer", "--pairs", "5", "--chunk", "3", "--warmup", "10", "--out", out);
  expect({ code: r.exitCode, err: r.exitCode === 0 ? "" : r.stderr.toString() }).toEqual({ code: 0, err: "" });
  const m = JSON.parse(readFileSync(join(out, "meta.json"), "utf8"));
  const a = m.nsPerRequest["v24-thin-unparsed"] as number[], b = m.nsPerRequest["v25-in-turn-answer"] as number[];
  expect([m.pairs, a.length, b.length, m.tracked]).toEqual([5, 5, 5, true]);
  expect(m.signTest.bFaster).toBe(a.filter((x, i) => b[i]! < x).length);
  const ratios = a.map((x, i) => b[i]! / x).sort((x, y) => x - y);
  expect(m.ratio.median).toBeCloseTo(ratios[2]!, 12);
  expect(m.signTest.p).toBeGreaterThan(0);
  expect(m.signTest.p).toBeLessThanOrEqual(1);
  expect(readFileSync(join(out, "summary.txt"), "utf8")).toContain("v25-in-turn-answer against v24-thin-unparsed");
}, 120_000);

test("--revs checks out both revisions, serves the variant from each, and leaves no worktree behind", () => {
  const out = mkdtempSync(join(tmpdir(), "paired-served-revs-"));
  const worktrees = () => Bun.spawnSync(["git", "worktree", "list"], { cwd: join(import.meta.dir, "../..") }).stdout.toString().trim().split("\n").length;
  const before = worktrees();
  const r = run("--revs", "HEAD,HEAD", "--variant", "v24-thin-unparsed", "--pairs", "3", "--chunk", "2", "--warmup", "5", "--out", out);
  expect({ code: r.exitCode, err: r.exitCode === 0 ? "" : r.stderr.toString() }).toEqual({ code: 0, err: "" });
  const m = JSON.parse(readFileSync(join(out, "meta.json"), "utf8"));
  expect([m.revs.variant, m.revs.a === m.revs.b, m.pairs]).toEqual(["v24-thin-unparsed", true, 3]);
  expect(worktrees()).toBe(before);
  // A fresh clone builds the bench index and each worktree its native library first: a bound, not a timing.
}, 180_000);
