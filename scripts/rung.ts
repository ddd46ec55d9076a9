/**
 * Usage: bun scripts/rung.ts --parent A --child B --rps R [--mix thin] [--filter RE] [--skip bundles,ab,capacity]
 *
 * The evidence one ladder rung needs, gathered by one committed command, in
 * the order FINDINGS.md cites it:
 *
 *   1. a profile bundle of the parent and of the child at the same offered
 *      rate, back to back (`bun scripts/profile.ts`, pinned as it pins);
 *   2. `go tool pprof -top -base` of the child against the parent, on the
 *      corrected CPU profile (flat) and on perf.pprof (cum), into the child's
 *      bundle as base-diff-cpu.txt and base-diff-perf-cum.txt;
 *   3. `bun run bench:ab --variants A B` of the hot function(s), 10 rounds;
 *   4. closed-loop capacity of both and of the Elysia echo, alternated run by
 *      run in one process (`bench/service-capacity.ts --variant A,B --against echo`).
 *
 * Every step writes its own meta.json; this prints where each one went and
 * writes rung.json (the paths, the commands) under profiles/rungs/<child>/.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { getPriority } from "node:os";
import { join } from "node:path";
import { cli, fail } from "../src/cli/args.ts";
import { getVariant } from "../src/enrich/registry.ts";
import { PROJECT_ROOT } from "../src/root.ts";
import { collectMeta } from "./lib/meta.ts";

const STEPS = ["bundles", "ab", "capacity"] as const;
const args = cli(process.argv.slice(2), "Usage: bun scripts/rung.ts --parent A --child B --rps R [options]\n\nGathers one ladder rung's evidence: bundles of both at one rate, the pprof -base diffs, a bench:ab of the hot function, capacity against the echo.", {
  parent: { kind: "string", help: "the variant the rung starts from" },
  child: { kind: "string", help: "the rung's variant (its parent plus one change)" },
  rps: { kind: "number", help: "offered rate of both bundles (open model)" },
  mix: { kind: "string", help: "request corpus", default: "thin", choices: ["thin", "default", "fat"] },
  duration: { kind: "duration", help: "each bundle's measured window", default: "10s" },
  filter: { kind: "string", help: "bench:ab filter (the hot function's benchmarks)", default: "^(Handler|EnrichBatch)/size=(1|100)$" },
  rounds: { kind: "number", help: "bench:ab rounds", default: 10 },
  repeat: { kind: "number", help: "capacity runs per side", default: 3 },
  skip: { kind: "string", help: `steps to leave out, comma-separated (${STEPS.join(", ")})`, default: "" },
  audit: { kind: "string", help: "IO rungs: 'local' or redis://HOST:PORT, passed to the bundles and the capacity run (--audit: a redis-server started for each, only the io-* variants write to it)" },
  "audit-delay": { kind: "duration", help: "with --audit local: Redis behind scripts/latency-proxy.ts, this one-way delay", default: "0ms" },
  "rt-server": { kind: "boolean", help: "raise the service under test to SCHED_FIFO 30 (root; for a machine shared with other work: CPU shares are per cgroup, so nice does not help; never the load generator, which would starve what it waits on)" },
  record: { kind: "string", help: "directory for rung.json (default profiles/rungs/<child>; e.g. profiles/rungs/end-to-end for a baseline-against-final pair)" },
  "parent-bundle": { kind: "string", help: "reuse this bundle of the parent (the previous rung's, just captured at the same rate) instead of capturing it again" },
});
if (!args.parent || !args.child || !args.rps) fail("--parent, --child and --rps are required", 2);
for (const v of [args.parent, args.child]) {
  try {
    getVariant(v);
  } catch (e) {
    fail((e as Error).message, 2);
  }
}
const skip = new Set(args.skip.split(",").filter(Boolean));
for (const s of skip) if (!(STEPS as readonly string[]).includes(s)) fail(`--skip: unknown step '${s}' (known: ${STEPS.join(", ")})`, 2);

const bun = process.execPath;
// The IO rungs' Redis, passed through to every step that starts a service (README "Audit log").
const auditArgs = args.audit ? ["--audit", args.audit, ...(args["audit-delay"] > 0 ? ["--audit-delay", `${args["audit-delay"]}ms`] : [])] : [];
const notHeld: string[] = [];
/**
 * The service a bundle capture starts is profile.ts's child running src/server.ts; with --rt-server each of
 * its threads is moved to SCHED_FIFO once it appears, so other work on the machine cannot delay it.
 */
async function raiseServer(parent: number, done: () => boolean): Promise<string | null> {
  while (!done()) {
    const r = Bun.spawnSync(["pgrep", "-P", String(parent), "-f", "src/server.ts"], { stdout: "pipe" });
    const pid = r.stdout.toString().trim().split("\n")[0];
    if (pid) {
      const c = Bun.spawnSync(["chrt", "-a", "-f", "-p", "30", pid], { stdout: "pipe", stderr: "pipe" });
      if (!c.success) fail(`rung: --rt-server: chrt failed: ${c.stderr.toString()}`, 1);
      return pid;
    }
    await Bun.sleep(20);
  }
  return null;
}

async function capture(cmd: string[]): Promise<void> {
  process.stderr.write(`rung: $ ${cmd.join(" ").replace(bun, "bun")}\n`);
  const proc = Bun.spawn(cmd, { cwd: PROJECT_ROOT, stdout: "inherit", stderr: "inherit" });
  let finished = false;
  const raised = args["rt-server"] ? raiseServer(proc.pid, () => finished) : Promise.resolve(null);
  const code = await proc.exited;
  finished = true;
  const pid = await raised;
  if (args["rt-server"]) process.stderr.write(`rung: service pid ${pid ?? "?"} ran at SCHED_FIFO 30\n`);
  if (code === 3) {
    process.stderr.write("rung: kept a marked bundle (exit 3): its meta.json says what was not held\n");
    notHeld.push(cmd.join(" ").replace(bun, "bun"));
  } else if (code !== 0) fail(`rung: step failed (exit ${code}): ${cmd.join(" ")}`, 1);
}

/** Runs one step; `marked` exit codes (a bundle whose load was not held: exit 3) are kept and reported, not fatal. */
function run(cmd: string[], stdoutFile?: string, marked: number[] = []): string {
  process.stderr.write(`rung: $ ${cmd.join(" ").replace(bun, "bun")}\n`);
  const r = Bun.spawnSync(cmd, { cwd: PROJECT_ROOT, stdout: "pipe", stderr: "inherit" });
  const out = r.stdout.toString();
  if (!r.success && marked.includes(r.exitCode ?? -1)) {
    process.stderr.write(`rung: kept a marked result (exit ${r.exitCode}): its meta.json says what was not held\n`);
    notHeld.push(cmd.join(" ").replace(bun, "bun"));
  } else if (!r.success) fail(`rung: step failed (exit ${r.exitCode}): ${cmd.join(" ")}\n${out.slice(-2000)}`, 1);
  if (stdoutFile) writeFileSync(stdoutFile, out);
  return out;
}

// Run under `nice -n -15` on a shared machine, so other work yields the cores to the measurement; recorded here.
const rung: Record<string, unknown> = { parent: args.parent, child: args.child, mix: args.mix, rps: args.rps, nice: getPriority(), serverScheduling: args["rt-server"] ? "SCHED_FIFO 30 (chrt -a -f -p 30)" : "default", ...(args.audit ? { audit: auditArgs.join(" ") } : {}), meta: collectMeta() };
const bundles: Record<string, string> = {};
if (!skip.has("bundles")) {
  if (args["parent-bundle"]) {
    const parentMeta = JSON.parse(readFileSync(join(PROJECT_ROOT, args["parent-bundle"], "meta.json"), "utf8")) as { variant?: string; rate?: { offeredRps?: number }; mix?: string };
    if (parentMeta.variant !== args.parent || parentMeta.rate?.offeredRps !== args.rps || parentMeta.mix !== args.mix) {
      fail(`--parent-bundle ${args["parent-bundle"]} is ${parentMeta.variant} ${parentMeta.mix} at ${parentMeta.rate?.offeredRps}/s, not ${args.parent} ${args.mix} at ${args.rps}/s`, 2);
    }
    bundles[args.parent] = args["parent-bundle"];
  }
  for (const v of [args.parent, args.child]) {
    if (bundles[v]) continue;
    const before = new Set(readdirSync(join(PROJECT_ROOT, "profiles")));
    await capture([bun, "scripts/profile.ts", "--rps", String(args.rps), "--duration", `${args.duration}ms`, "--trace", "1s", "--mix", args.mix, "--variant", v, ...auditArgs]);
    const made = readdirSync(join(PROJECT_ROOT, "profiles")).filter((d) => !before.has(d) && d.includes(v));
    if (made.length !== 1) fail(`rung: expected one new bundle for ${v}, found ${made.join(", ") || "none"}`, 1);
    bundles[v] = join("profiles", made[0]!);
  }
  const [a, b] = [bundles[args.parent]!, bundles[args.child]!];
  if (Bun.which("go")) {
    run(["go", "tool", "pprof", "-top", "-base", join(a, "cpu.pprof"), join(b, "cpu.pprof")], join(PROJECT_ROOT, b, "base-diff-cpu.txt"));
    // perf.pprof is missing from a bundle whose perf record failed (its meta.json says why): no perf diff then, said loudly.
    if ([a, b].every((d) => existsSync(join(PROJECT_ROOT, d, "perf.pprof")))) run(["go", "tool", "pprof", "-top", "-cum", "-base", join(a, "perf.pprof"), join(b, "perf.pprof")], join(PROJECT_ROOT, b, "base-diff-perf-cum.txt"));
    else process.stderr.write(`rung: no perf.pprof in ${[a, b].filter((d) => !existsSync(join(PROJECT_ROOT, d, "perf.pprof"))).join(" and ")}: no perf -base diff\n`);
  } else process.stderr.write("rung: go is not installed: no pprof -base diffs (apt-get install -y golang-go)\n");
  rung.bundles = bundles;
}
if (!skip.has("ab")) {
  const out = join("profiles/ab", `${args.parent}-vs-${args.child}`);
  run([bun, "bench/ab-cli.ts", "--variants", args.parent, args.child, "--filter", args.filter, "--rounds", String(args.rounds), "--out", out]);
  rung.ab = out;
}
if (!skip.has("capacity")) {
  const out = join("profiles/capacity", `${args.parent}-vs-${args.child}-${args.mix}-vs-echo`);
  run([bun, "bench/service-capacity.ts", "--variant", `${args.parent},${args.child}`, "--mix", args.mix, "--against", "echo", "--repeat", String(args.repeat), "--out", out, ...auditArgs]);
  rung.capacity = out;
}
if (notHeld.length) rung.notHeld = notHeld;
const dir = join(PROJECT_ROOT, args.record ?? join("profiles/rungs", args.child));
mkdirSync(dir, { recursive: true });
// A re-run of some steps (--skip) keeps the paths of the steps it skipped.
const file = join(dir, "rung.json");
const earlier = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>) : {};
writeFileSync(file, JSON.stringify({ ...earlier, ...rung }, null, 2) + "\n");
console.log(JSON.stringify(rung, (k, v) => (k === "meta" ? undefined : v), 2));
