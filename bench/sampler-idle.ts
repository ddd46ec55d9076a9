/**
 * Usage: bun bench/sampler-idle.ts [--seconds 5] [--rounds 3] [--out DIR]
 *
 * What JSC's sampler thread costs after a profile has ended, and how long a
 * restart takes to go live. The thread never exits: stopped, it sleeps its
 * interval in a loop. Measured here, in rounds, on this process:
 *
 * - parked: a capture through sampler.ts (subscribe, then unsubscribe),
 *   which stops the sampler at PARKED_INTERVAL_MS;
 * - inspector default: the stop as the inspector does it without a sampling
 *   interval (Profiler.start, Profiler.stop), which leaves it at its 1 ms;
 *
 * each in a fresh process (so the inspector's interval is its own default),
 * followed by `--seconds` of idle, reading the sampler thread's on-CPU time
 * (schedstat) and its wake-ups (voluntary context switches); then the time
 * from a new subscription to windowOpen(). Writes DIR/meta.json.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Session } from "node:inspector";
import * as jsc from "bun:jsc";
import { cli } from "../src/cli/args.ts";
import { formatDuration } from "../src/cli/duration.ts";
import { PARKED_INTERVAL_MS, subscribe, windowOpen } from "../src/admin/sampler.ts";
import { collectMeta, summarize } from "../scripts/lib/meta.ts";

const args = cli(process.argv.slice(2), "Usage: bun bench/sampler-idle.ts [options]\n\nThe stopped sampler thread's idle cost, parked against the inspector's default, and the restart latency.", {
  seconds: { kind: "duration", help: "idle time measured after each stop", default: "5s" },
  rounds: { kind: "number", help: "rounds of each way to stop, interleaved", default: 3 },
  out: { kind: "string", help: "directory for meta.json", default: "profiles/sampler-idle" },
  child: { kind: "string", help: "(internal) measure one way in this process", choices: ["parked", "inspector default"] },
});
const WAYS = ["parked", "inspector default"];

const tids = () => new Set(readdirSync("/proc/self/task"));
function account(tid: string): { onCpuNs: number; wakeups: number } {
  const onCpuNs = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, "latin1").split(" ")[0]);
  const wakeups = Number(/^voluntary_ctxt_switches:\s*(\d+)/m.exec(readFileSync(`/proc/self/task/${tid}/status`, "latin1"))![1]);
  return { onCpuNs, wakeups };
}

async function inspectorStop(): Promise<void> {
  const s = new Session();
  s.connect();
  const post = (m: string) => new Promise<void>((resolve) => s.post(m, {}, () => resolve()));
  for (const m of ["Profiler.enable", "Profiler.start", "Profiler.stop", "Profiler.disable"]) await post(m);
  s.disconnect();
}

/** One measurement in a fresh process, so the inspector's interval is its default, never one set by an earlier stop. */
async function child(way: string): Promise<void> {
  // The first start creates JSC's sampler thread: the one new thread.
  const before = tids();
  let stop: () => void;
  if (way === "parked") stop = subscribe(10, () => {});
  else jsc.startSamplingProfiler(undefined, 10_000), (stop = () => void inspectorStop());
  const sampler = [...tids()].filter((t) => !before.has(t));
  if (sampler.length !== 1) throw new Error(`expected one new thread for the sampler, found ${sampler.length}`);
  const tid = sampler[0]!;
  await Bun.sleep(200);
  stop();
  await Bun.sleep(100); // the stop (async: the inspector) has landed
  const a = account(tid);
  await Bun.sleep(args.seconds);
  const b = account(tid);
  // A restart from parked (sampler.ts's own path; the other way has no parked state to restart from).
  let restartMs: number | null = null;
  if (way === "parked") {
    const t0 = performance.now();
    const again = subscribe(10, () => {});
    await windowOpen();
    restartMs = performance.now() - t0;
    again();
  }
  const cpuPercent = ((b.onCpuNs - a.onCpuNs) / 1e6 / args.seconds) * 100;
  const wakeupsPerSecond = ((b.wakeups - a.wakeups) * 1000) / args.seconds;
  console.log(JSON.stringify({ way, cpuPercent, wakeupsPerSecond, restartMs }));
  process.exit(0);
}
if (args.child) await child(args.child);

const rows: { way: string; cpuPercent: number; wakeupsPerSecond: number; restartMs: number | null }[] = [];
for (let r = 0; r < args.rounds; r++) {
  for (const way of r % 2 === 0 ? WAYS : [...WAYS].reverse()) {
    const p = Bun.spawnSync([process.execPath, import.meta.path, "--child", way, "--seconds", `${args.seconds}ms`], { stderr: "inherit" });
    if (!p.success) throw new Error(`sampler-idle: the ${way} child failed`);
    const got = JSON.parse(p.stdout.toString().trim().split("\n").pop()!);
    rows.push(got);
    process.stderr.write(`sampler-idle: round ${r + 1} ${way}: ${got.cpuPercent.toFixed(3)}% CPU, ${got.wakeupsPerSecond.toFixed(0)} wake-ups/s, ${got.restartMs === null ? "" : `, restart live after ${got.restartMs.toFixed(0)} ms`}\n`);
  }
}

const by = (way: string, k: "cpuPercent" | "wakeupsPerSecond") => summarize(rows.filter((x) => x.way === way).map((x) => x[k]));
const result = {
  what: "JSC's sampler thread after a capture has ended: on-CPU share and wake-ups over an idle stretch, stopped parked (sampler.ts) against the inspector's default interval; and a restart's time to windowOpen()",
  parkedIntervalMs: PARKED_INTERVAL_MS,
  idle: formatDuration(args.seconds),
  summary: Object.fromEntries(WAYS.map((w) => [w, { cpuPercent: by(w, "cpuPercent"), wakeupsPerSecond: by(w, "wakeupsPerSecond") }])),
  restartFromParkedMs: summarize(rows.flatMap((x) => (x.restartMs === null ? [] : [x.restartMs]))),
  rows,
  meta: collectMeta(),
};
mkdirSync(args.out, { recursive: true });
writeFileSync(join(args.out, "meta.json"), `${JSON.stringify(result, null, 2)}\n`);
for (const [w, s] of Object.entries(result.summary)) {
  console.log(`${w.padEnd(18)} CPU ${s.cpuPercent.median.toFixed(3)}% (${s.cpuPercent.min.toFixed(3)}–${s.cpuPercent.max.toFixed(3)}), wake-ups ${s.wakeupsPerSecond.median.toFixed(0)}/s (median of ${s.cpuPercent.n})`);
}
console.log(`restart from parked: live after ${result.restartFromParkedMs.median.toFixed(0)} ms (${result.restartFromParkedMs.min.toFixed(0)}–${result.restartFromParkedMs.max.toFixed(0)}; an idle process gives no sample, so it waits the parked sleep out)`);
console.log(`wrote ${join(args.out, "meta.json")}`);
process.exit(0);
