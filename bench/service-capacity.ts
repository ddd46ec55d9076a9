/**
 * Usage: bun bench/service-capacity.ts [--variant v0] [--mix thin] [--index DIR]
 *                                      [--duration 10s] [--repeat 3] [--connections 32] [--out DIR]
 *
 * Closed-loop capacity of the service with wrk: the server pinned to CPU 0,
 * wrk to CPU 1, `--repeat` runs of `--duration` each against one server
 * process, reporting the median requests/s and the spread, with a meta.json
 * that says how it was measured. This is the "pegged" figure (wrk keeps
 * --connections requests outstanding); latency under a fixed arrival rate is
 * the load harness's job (bun run load).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, fail } from "../src/cli/args.ts";
import { formatDuration } from "../src/cli/duration.ts";
import { ensureDefaultIndex, PROJECT_ROOT } from "../src/service/default-index.ts";
import { collectMeta, pinning, summarize } from "../scripts/lib/meta.ts";
import { spawnService } from "../scripts/lib/spawn-service.ts";

const args = cli(process.argv.slice(2), "Usage: bun bench/service-capacity.ts [options]\n\nClosed-loop capacity (wrk) of one pinned service process.", {
  variant: { kind: "string", help: "service variant", default: "v0" },
  mix: { kind: "string", help: "request corpus", default: "thin", choices: ["thin", "default", "fat"] },
  index: { kind: "string", help: "index directory (default: data/default)" },
  duration: { kind: "duration", help: "length of each wrk run", default: "10s" },
  warmup: { kind: "duration", help: "discarded wrk run before measuring", default: "3s" },
  repeat: { kind: "number", help: "measured runs", default: 3 },
  connections: { kind: "number", help: "wrk connections", default: 32 },
  out: { kind: "string", help: "directory for meta.json and the wrk outputs" },
});

if (!Bun.spawnSync(["sh", "-c", "command -v wrk"]).success) fail("wrk is not installed (apt-get install -y wrk)");
const index = args.index ?? ensureDefaultIndex();
const corpus = join(index, `${args.mix}.ndjson`);
const pin = pinning();
const meta = collectMeta();
const server = await spawnService(["--index", index, "--variant", args.variant], { prefix: pin.server });
const cleanup = () => server.proc.kill("SIGKILL");
process.on("SIGINT", () => (cleanup(), process.exit(130)));

try {
  const wrk = (ms: number) => {
    const cmd = [...pin.load, "wrk", "-t1", `-c${args.connections}`, `-d${Math.round(ms / 1000)}s`, "--latency", "-s", "bench/wrk/post-corpus.lua", server.url, "--", corpus];
    const r = Bun.spawnSync(cmd, { cwd: PROJECT_ROOT, stdout: "pipe", stderr: "pipe" });
    const text = r.stdout.toString();
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1]);
    if (!r.success || !Number.isFinite(rps)) throw new Error(`wrk failed: ${r.stderr.toString() || text}`);
    const errors = /Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1];
    if (errors) throw new Error(`the service answered ${errors} requests with errors; not a capacity figure:\n${text}`);
    return { cmd: cmd.join(" "), rps, p50: /50%\s+(\S+)/.exec(text)?.[1], p99: /99%\s+(\S+)/.exec(text)?.[1], text };
  };
  process.stderr.write(`capacity: warmup ${formatDuration(args.warmup)}\n`);
  wrk(args.warmup);
  const runs = [];
  for (let i = 0; i < args.repeat; i++) {
    const r = wrk(args.duration);
    process.stderr.write(`capacity: run ${i + 1}/${args.repeat}: ${r.rps.toFixed(0)} req/s (wrk p50 ${r.p50}, p99 ${r.p99})\n`);
    runs.push(r);
  }
  const s = summarize(runs.map((r) => r.rps));
  const result = { variant: args.variant, mix: args.mix, index, connections: args.connections, durationMs: args.duration, pinning: pin.note, requestsPerSecond: s, runs: runs.map(({ cmd, rps, p50, p99 }) => ({ cmd, rps, p50, p99 })), meta };
  console.log(`${args.variant} ${args.mix}: median ${s.median.toFixed(0)} req/s (min ${s.min.toFixed(0)}, max ${s.max.toFixed(0)}, n=${s.n}); ${pin.note}`);
  if (args.out) {
    mkdirSync(args.out, { recursive: true });
    writeFileSync(join(args.out, "meta.json"), JSON.stringify(result, null, 2) + "\n");
    runs.forEach((r, i) => writeFileSync(join(args.out!, `wrk-${i + 1}.txt`), r.text));
    console.log(args.out);
  }
} catch (e) {
  cleanup();
  fail((e as Error).message, 1);
}
cleanup();

