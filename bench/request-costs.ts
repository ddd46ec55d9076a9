/**
 * Usage: bun bench/request-costs.ts [--mix thin] [--duration 5s] [--repeat 5] [--connections 32] [--out DIR]
 *
 * What each runtime call the service's hot path adds to a request costs, one
 * call at a time, on a loaded server: bench/servers/timed-calls.ts (the echo,
 * with each call timed inside its handler) runs pinned to CPU 0 while wrk,
 * pinned to CPU 1, keeps --connections requests of the corpus outstanding.
 * Before any wrk run it must answer the corpus's first bodies as the echo
 * does. Each round reads and resets the server's totals around one wrk run;
 * the table is each call's nanoseconds per request, median (min–max) over the
 * rounds, with wrk's rate beside it. Closed-loop throughput cannot resolve a
 * 0.2 µs call on this host (FINDINGS.md §22: ±15% between runs); a clock
 * around the call can. What a call costs later (the GC work of what it
 * allocated, cache misses it leaves behind) is not in its row.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, fail } from "../src/cli/args.ts";
import { ensureDefaultIndex } from "../src/service/default-index.ts";
import { PROJECT_ROOT } from "../src/root.ts";
import { collectMeta, HostSpan, pinning, sharesText, stealWarning, summarize } from "../scripts/lib/meta.ts";
import { spawnService } from "../scripts/lib/spawn-service.ts";
import { checkAnswers, probeBodies } from "./capacity/answers.ts";
import { parseWrk, wrkCommand } from "./wrk/run.ts";

const args = cli(process.argv.slice(2), "Usage: bun bench/request-costs.ts [options]\n\nNanoseconds per request of each runtime call the hot path adds, timed inside a loaded Bun.serve handler; writes meta.json.", {
  mix: { kind: "string", help: "request corpus", default: "thin", choices: ["thin", "default", "fat"] },
  index: { kind: "string", help: "directory holding the corpus (default: data/default)" },
  duration: { kind: "duration", help: "length of each wrk run", default: "5s" },
  warmup: { kind: "duration", help: "discarded wrk run before measuring", default: "3s" },
  repeat: { kind: "number", help: "measured rounds", default: 5 },
  connections: { kind: "number", help: "wrk connections", default: 32 },
  out: { kind: "string", help: "directory for meta.json", default: "profiles/request-costs/latest" },
});
if (!Number.isInteger(args.repeat) || args.repeat < 1) fail(`--repeat: expected a positive integer, got ${args.repeat}`, 2);
if (!Number.isInteger(args.connections) || args.connections < 1) fail(`--connections: expected a positive integer, got ${args.connections}`, 2);
if (!Bun.which("wrk")) fail("wrk is not installed (apt-get install -y wrk)");

const corpus = join(args.index ?? ensureDefaultIndex(), `${args.mix}.ndjson`);
const pin = pinning();
const meta = collectMeta();
const server = await spawnService([], { prefix: pin.server, command: [process.execPath, join(PROJECT_ROOT, "bench/servers/timed-calls.ts")] });
const say = (line: string) => process.stderr.write(`request-costs: ${line}\n`);

interface Costs {
  requests: number;
  ns: Record<string, number>;
}
const readCosts = async (): Promise<Costs> => (await (await fetch(`${server.url}/costs`)).json()) as Costs;

function wrk(ms: number) {
  const cmd = wrkCommand({ prefix: pin.load, connections: args.connections, seconds: ms / 1000, url: server.url, corpus });
  const span = new HostSpan();
  const r = Bun.spawnSync(cmd, { cwd: PROJECT_ROOT, stdout: "pipe", stderr: "pipe" });
  const out = parseWrk(r.stdout.toString());
  if (!r.success || !out) throw new Error(`wrk failed: ${r.stderr.toString() || r.stdout.toString()}`);
  if (out.non2xx) throw new Error(`the server answered ${out.non2xx} requests with errors`);
  return { cmd: cmd.join(" "), rps: out.rps, hostSteal: span.steal() };
}

try {
  await checkAnswers(server.url, "timed-calls", probeBodies(readFileSync(corpus, "utf8")).map((body) => ({ body, expect: "echo" as const })));
  wrk(args.warmup);
  const rounds: { rps: number; requests: number; nsPerRequest: Record<string, number>; hostSteal: Record<string, number>; cmd: string }[] = [];
  for (let i = 0; i < args.repeat; i++) {
    await readCosts();
    const run = wrk(args.duration);
    const c = await readCosts();
    if (c.requests === 0) throw new Error("the server timed no requests");
    const nsPerRequest = Object.fromEntries(Object.entries(c.ns).map(([call, ns]) => [call, ns / c.requests]));
    rounds.push({ rps: run.rps, requests: c.requests, nsPerRequest, hostSteal: run.hostSteal, cmd: run.cmd });
    say(`round ${i + 1}/${args.repeat}: ${run.rps.toFixed(0)} req/s, ${c.requests} timed (host steal ${sharesText(run.hostSteal)})`);
  }
  const calls = Object.keys(rounds[0]!.nsPerRequest);
  const rows = calls.map((call) => ({ call, nsPerRequest: summarize(rounds.map((r) => r.nsPerRequest[call]!)) }));
  const rps = summarize(rounds.map((r) => r.rps));
  const width = Math.max(...calls.map((c) => c.length));
  console.log(`${"call".padEnd(width)}  ns per request, median (min–max) of ${args.repeat} rounds`);
  for (const r of rows) console.log(`${r.call.padEnd(width)}  ${r.nsPerRequest.median.toFixed(0).padStart(6)} (${r.nsPerRequest.min.toFixed(0)}–${r.nsPerRequest.max.toFixed(0)})`);
  console.log(`wrk: ${rps.median.toFixed(0)} req/s (${rps.min.toFixed(0)}–${rps.max.toFixed(0)}), ${args.connections} connections, ${args.mix}; ${pin.note}`);
  mkdirSync(args.out, { recursive: true });
  const result = {
    what: "ns per request of each runtime call the hot path adds, timed with Bun.nanoseconds() inside a loaded Bun.serve handler (bench/servers/timed-calls.ts); each row includes one clock read (the clock row)",
    mix: args.mix,
    corpus,
    connections: args.connections,
    durationMs: args.duration,
    pinning: pin.note,
    requestsPerSecond: rps,
    rows,
    rounds,
    meta,
  };
  writeFileSync(join(args.out, "meta.json"), `${JSON.stringify(result, null, 2)}\n`);
  const steal = stealWarning(meta);
  if (steal) console.error(steal);
  console.log(args.out);
} catch (e) {
  server.proc.kill("SIGKILL");
  fail((e as Error).message, 1);
}
server.proc.kill("SIGKILL");
