/**
 * Usage: bun bench/admin-cost.ts [--variant V] [--rps 1500] [--repeat 3] [--gap 5s] [--out DIR]
 *
 * What each admin call costs the hot path while it serves: a pinned service
 * (CPU 0) under a fixed open-model load from this process (CPU 1), and one
 * admin call after another, each at the start of its own load second, spaced
 * --gap apart: a /metrics scrape, the profiling rates switched on, a CPU
 * profile, a block profile, a trace, the four that end a bundle's window at
 * once (scripts/profile/capture-window.ts), and a heap profile last (a heap
 * snapshot slows every later GC, src/admin/heap.ts). A call "touches" the
 * load seconds from the one it started in to the one after it ended (its
 * backlog drains there); the other seconds are the quiet baseline. Per call:
 * the worst one-second corrected p99 it touched and the requests answered
 * with an error (503s: admission control sheds what a stalled loop delays),
 * against the quiet seconds'. Each round is a fresh service (the heap call
 * poisons its GC). With --base REV the same rounds also run that revision's
 * service (a git worktree, its native library built), alternated with this
 * checkout's round by round (base, head, head, base, ...), so a change to the
 * admin side is measured against its parent in one run. Writes DIR/meta.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, fail } from "../src/cli/args.ts";
import { SERVICE_DEFAULTS } from "../src/config.ts";
import { startLoad } from "../src/load/index.ts";
import type { WindowStats } from "../src/load/recorder.ts";
import { ensureDefaultIndex } from "../src/service/default-index.ts";
import { collectMeta, HostSpan, pinning, pinSelf, stealWarning, summarize } from "../scripts/lib/meta.ts";
import { spawnService } from "../scripts/lib/spawn-service.ts";
import { adminGet, type Fetched } from "../scripts/profile/admin-client.ts";
// rounds.ts before worktree.ts: the two import each other (as bench/ab-cli.ts orders them).
import { gitCommit } from "./harness/worktree.ts";
import { type Checkout, Worktrees } from "./harness/worktree.ts";
import { PROJECT_ROOT } from "../src/root.ts";

const args = cli(process.argv.slice(2), "Usage: bun bench/admin-cost.ts [options]\n\nThe hot path's one-second p99 and 503s while each admin call runs, against the quiet seconds between them.", {
  variant: { kind: "string", help: "the service's --variant", default: SERVICE_DEFAULTS.variant },
  rps: { kind: "number", help: "offered rate, requests/s", default: 1500 },
  mix: { kind: "string", help: "request corpus", default: "thin", choices: ["thin", "default", "fat"] },
  gap: { kind: "duration", help: "from one call's start to the next (whole seconds; each call's profile window is 2 s)", default: "5s" },
  lead: { kind: "duration", help: "load before the first call (after the load's warm-up)", default: "3s" },
  repeat: { kind: "number", help: "rounds, each on a fresh service", default: 3 },
  calls: { kind: "string", help: "which calls, in order (comma-separated; heap poisons later GCs, so it goes last)", default: "" },
  base: { kind: "string", help: "also run this revision's service (a worktree), alternated round by round with this checkout's" },
  index: { kind: "string", help: "index directory (default data/default, built on first use)" },
  "server-args": { kind: "string", help: "more flags for the service, as one string", default: "" },
  out: { kind: "string", help: "directory for meta.json", default: "profiles/admin-cost" },
});

/** Each call as scripts/profile.ts makes it (2 s windows here), so a row says what a bundle's step costs. */
const CALLS: Record<string, { what: string; paths: [string, "GET" | "POST"][] }> = {
  metrics: { what: "GET /metrics", paths: [["/metrics", "GET"]] },
  rates: { what: "POST /debug/pprof/rates (block 20 ms, mutex 1/10, 3 s): starts the stack sampler", paths: [["/debug/pprof/rates?block=20&mutex=10&seconds=3", "POST"]] },
  cpu: { what: "GET /debug/pprof/profile?seconds=2&hz=100&format=pprof", paths: [["/debug/pprof/profile?seconds=2&hz=100&format=pprof", "GET"]] },
  block: { what: "GET /debug/pprof/block?seconds=2&rate=20", paths: [["/debug/pprof/block?seconds=2&rate=20", "GET"]] },
  trace: { what: "GET /debug/pprof/trace?seconds=2&hz=100", paths: [["/debug/pprof/trace?seconds=2&hz=100", "GET"]] },
  "bundle-end": {
    what: "cpu, block, mutex and trace at once, ending together (a bundle's window end)",
    paths: [
      ["/debug/pprof/profile?seconds=2&hz=100&format=pprof", "GET"],
      ["/debug/pprof/block?seconds=2&rate=20", "GET"],
      ["/debug/pprof/mutex?seconds=2&fraction=10", "GET"],
      ["/debug/pprof/trace?seconds=2&hz=100", "GET"],
    ],
  },
  heap: { what: "GET /debug/pprof/heap?format=pprof (a heap snapshot, folded)", paths: [["/debug/pprof/heap?format=pprof", "GET"]] },
};
const names = args.calls ? args.calls.split(",").map((s) => s.trim()) : Object.keys(CALLS);
for (const n of names) if (!CALLS[n]) fail(`--calls: unknown call '${n}' (known: ${Object.keys(CALLS).join(", ")})`, 2);
/** Row labels: a call asked for twice (cold, then warm) is "name", then "name#2". */
const labels = names.map((n, i) => (names.slice(0, i).includes(n) ? `${n}#${names.slice(0, i + 1).filter((x) => x === n).length}` : n));
const gapS = Math.round(args.gap / 1000);
const leadS = Math.round(args.lead / 1000);
if (gapS < 3) fail("--gap must be at least 3s: a call's 2 s window and the second after it", 2);
if (args.repeat < 1) fail("--repeat must be at least 1", 2);

const pin = pinning();
const meta = collectMeta();
const index = args.index ?? ensureDefaultIndex();
const corpus = join(index, `${args.mix}.ndjson`);
if (pin.load.length && !pinSelf(pin.load)) fail("could not pin this process (the load generator) with taskset", 1);
const say = (s: string) => process.stderr.write(`admin-cost: ${s}\n`);

interface CallRow {
  call: string;
  ok: boolean;
  ms: number;
  bytes: number;
  error?: string;
  /** Load seconds it touched (indexes of the load's one-second windows). */
  windows: number[];
  worstP99Ms: number;
  errors: number;
}
interface Round {
  round: number;
  side: string;
  calls: CallRow[];
  quiet: { windows: number; p99Ms: ReturnType<typeof summarize>; errors: number };
  hostSteal: Record<string, number>;
  load: { ok: number; httpError: number; byStatus: Record<string, number> };
}

async function round(k: number, side: Checkout): Promise<Round> {
  const server = await spawnService(["--index", index, "--variant", args.variant, ...args["server-args"].split(/\s+/).filter(Boolean)], { prefix: pin.server, cwd: side.root });
  const span = new HostSpan();
  try {
    const windows: WindowStats[] = [];
    let waiting: (() => void)[] = [];
    const totalS = leadS + names.length * gapS + 2;
    const load = startLoad(
      { url: `${server.url}/enrich`, corpus, rps: args.rps, durationMs: totalS * 1000, warmupMs: 3000 },
      {
        onWindow: (w) => {
          windows.push(w);
          for (const f of waiting.splice(0)) f();
        },
      },
    );
    const untilWindows = async (n: number) => {
      while (windows.length < n) {
        const ended = await Promise.race([new Promise<boolean>((r) => waiting.push(() => r(false))), load.done.then(() => true)]);
        if (ended) throw new Error(`the load ended after ${windows.length} windows, before window ${n}`);
      }
    };
    const calls: CallRow[] = [];
    for (const [i, name] of names.entries()) {
      const label = labels[i]!;
      await untilWindows(leadS + i * gapS);
      const from = windows.length;
      const t0 = performance.now();
      const got: Fetched[] = await Promise.all(CALLS[name]!.paths.map(([p, m]) => adminGet(server.adminUrl, p, 120_000, m)));
      const ms = performance.now() - t0;
      const to = windows.length + 1;
      const bad = got.find((g) => !g.ok);
      calls.push({ call: label, ok: !bad, ms: r1(ms), bytes: got.reduce((s, g) => s + g.bytes.byteLength, 0), error: bad?.error, windows: range(from, to), worstP99Ms: 0, errors: 0 });
      say(`round ${k} (${side.label}): ${label} took ${ms.toFixed(0)} ms${bad ? ` (${bad.error})` : ""}`);
    }
    await untilWindows(Math.max(...calls.map((c) => c.windows.at(-1)! + 1)));
    load.stop();
    const result = await load.done;
    const touched = new Set(calls.flatMap((c) => c.windows));
    for (const c of calls) {
      const ws = c.windows.map((i) => windows[i]).filter((w): w is WindowStats => w !== undefined);
      c.worstP99Ms = Math.max(0, ...ws.map((w) => w.p99));
      c.errors = ws.reduce((s, w) => s + w.errors, 0);
    }
    // The first second after the warm-up is the load's own ramp; the last is cut short by the stop.
    const quiet = windows.filter((w) => w.index >= 1 && !touched.has(w.index) && w.lengthMs >= 900);
    return {
      round: k,
      side: side.label,
      calls,
      quiet: { windows: quiet.length, p99Ms: summarize(quiet.map((w) => w.p99)), errors: quiet.reduce((s, w) => s + w.errors, 0) },
      hostSteal: span.steal(),
      load: { ok: result.counts.ok, httpError: result.counts.httpError, byStatus: result.counts.byStatus },
    };
  } finally {
    await server.stop();
  }
}

const head: Checkout = { label: "head", root: PROJECT_ROOT, commit: gitCommit(PROJECT_ROOT) };
const trees = args.base ? new Worktrees(PROJECT_ROOT, "enrich-admin-cost-") : null;
process.on("SIGINT", () => (trees?.cleanup(), process.exit(130)));
const rounds: Round[] = [];
let sides: Checkout[] = [head];
try {
  if (trees) {
    const base = { ...trees.checkout(args.base!, "base"), label: "base" };
    say(`base ${args.base} (${base.commit}) in ${base.root}: building its native library`);
    const built = Bun.spawnSync([process.execPath, "src/index/native-build.ts"], { cwd: base.root, stdout: "ignore", stderr: "pipe" });
    if (!built.success) fail(`the base's native build failed: ${built.stderr.toString().trim()}`, 1);
    sides = [base, head];
  }
  // ABBA: each side goes first as often as the other, so drift over the run hits both alike.
  for (let k = 1; k <= args.repeat; k++) for (const side of k % 2 ? sides : [...sides].reverse()) rounds.push(await round(k, side));
} finally {
  trees?.cleanup();
}

const fmt = (s: ReturnType<typeof summarize>, d = 1) => `${s.median.toFixed(d)} (${s.min.toFixed(d)}–${s.max.toFixed(d)})`;
const lines = [`admin calls against ${args.variant} at ${args.rps} req/s ${args.mix}, ${args.repeat} rounds per side (${pin.note}); medians (min–max) over rounds`];
type Row = { what: string; ms: ReturnType<typeof summarize>; worstP99Ms: ReturnType<typeof summarize>; errors: ReturnType<typeof summarize> };
const summary: Record<string, Record<string, Row>> = {};
for (const side of sides) {
  const mine = rounds.filter((r) => r.side === side.label);
  const rows: Record<string, Row> = {};
  lines.push("", `${side.label} (${side.commit})`, `${"call".padEnd(14)} ${"call ms".padEnd(22)} ${"worst 1 s p99, ms".padEnd(26)} 503s`);
  for (const [i, label] of labels.entries()) {
    const got = mine.map((r) => r.calls.find((c) => c.call === label)!);
    const row = (rows[label] = { what: CALLS[names[i]!]!.what, ms: summarize(got.map((c) => c.ms)), worstP99Ms: summarize(got.map((c) => c.worstP99Ms)), errors: summarize(got.map((c) => c.errors)) });
    lines.push(`${label.padEnd(14)} ${fmt(row.ms, 0).padEnd(22)} ${fmt(row.worstP99Ms, 2).padEnd(26)} ${fmt(row.errors, 0)}`);
  }
  const quietP99 = summarize(mine.map((r) => r.quiet.p99Ms.median));
  const quietWorst = summarize(mine.map((r) => r.quiet.p99Ms.max));
  lines.push(`${"quiet seconds".padEnd(14)} ${"—".padEnd(22)} ${`${fmt(quietP99, 2)}, worst ${fmt(quietWorst, 2)}`.padEnd(26)} ${fmt(summarize(mine.map((r) => r.quiet.errors)), 0)}`);
  summary[side.label] = rows;
}
const text = lines.join("\n");
console.log(text);
mkdirSync(args.out, { recursive: true });
const done = { ...meta, finishedAt: new Date().toISOString(), pinning: pin.note, variant: args.variant, rps: args.rps, mix: args.mix, gapS, leadS, calls: labels, sides, summary, rounds, text };
writeFileSync(join(args.out, "meta.json"), JSON.stringify(done, null, 2) + "\n");
const warn = stealWarning(done);
if (warn) say(warn);
say(`wrote ${join(args.out, "meta.json")}`);

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
}
function r1(x: number): number {
  return Math.round(x * 10) / 10;
}
