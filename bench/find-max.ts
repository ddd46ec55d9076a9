/**
 * Usage: bun bench/find-max.ts --variant V [--mix thin] [--p99 100ms] [--rps START] [--duration 10s] [--out DIR]
 *
 * The SLO table's "sustained rate before p99 > 100 ms": one service process
 * pinned to CPU 0, `bun run load --find-max` pinned to CPU 1, stepping the
 * open-model rate until the corrected p99 passes --p99 or a step is not a
 * valid measurement. Writes the load tool's JSON, its rate plot and a
 * meta.json that says how it was measured. When the generator, not the
 * server, is what stopped the climb, the result says so (`limitedBy`), and
 * the figure is a floor for the server, not its limit.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, fail } from "../src/cli/args.ts";
import { ensureDefaultIndex } from "../src/service/default-index.ts";
import { PROJECT_ROOT } from "../src/root.ts";
import { collectMeta, pinning } from "../scripts/lib/meta.ts";
import { spawnService } from "../scripts/lib/spawn-service.ts";

const args = cli(process.argv.slice(2), "Usage: bun bench/find-max.ts --variant V [options]\n\nThe highest open-model rate a pinned service holds with corrected p99 under --p99 (bun run load --find-max).", {
  variant: { kind: "string", help: "service variant", default: "v0" },
  mix: { kind: "string", help: "request corpus", default: "thin", choices: ["thin", "default", "fat"] },
  index: { kind: "string", help: "index directory (default: data/default)" },
  p99: { kind: "duration", help: "pass threshold for the corrected p99", default: "100ms" },
  rps: { kind: "number", help: "first step's rate (default: the load tool's)" },
  "max-rps": { kind: "number", help: "never offer more than this" },
  duration: { kind: "duration", help: "measured period per step", default: "10s" },
  retries: { kind: "number", help: "re-run an INVALID step up to N times", default: 1 },
  out: { kind: "string", help: "directory for meta.json, the load JSON and the plot" },
  rt: { kind: "boolean", help: "run the service at SCHED_FIFO 30 (root; for a machine shared with other work; never the load generator, which busy-polls); recorded in meta.json" },
});

const index = args.index ?? ensureDefaultIndex();
const pin = pinning();
const meta = collectMeta();
// Under --rt the service starts at SCHED_FIFO (a busy machine could otherwise keep it from getting ready).
const server = await spawnService(["--index", index, "--variant", args.variant], { prefix: [...pin.server, ...(args.rt ? ["chrt", "-f", "30"] : [])] });
process.on("SIGINT", () => (server.proc.kill("SIGKILL"), process.exit(130)));
if (args.rt) {
  const r = Bun.spawnSync(["chrt", "-a", "-f", "-p", "30", String(server.proc.pid)], { stdout: "pipe", stderr: "pipe" });
  if (!r.success) fail(`--rt: chrt failed: ${r.stderr.toString()}`, 1);
}
try {
  const out = args.out ?? join(PROJECT_ROOT, "profiles/find-max", `${args.variant}-${args.mix}`);
  mkdirSync(out, { recursive: true });
  const cmd = [
    ...pin.load,
    process.execPath,
    "src/load/cli.ts",
    "--url",
    `${server.url}/enrich`,
    "--corpus",
    join(index, `${args.mix}.ndjson`),
    "--find-max",
    "--p99",
    `${args.p99}ms`,
    "--duration",
    `${args.duration}ms`,
    "--retries",
    String(args.retries),
    "--json",
    "--plot",
    join(out, "find-max.svg"),
    ...(args.rps ? ["--rps", String(args.rps)] : []),
    ...(args["max-rps"] ? ["--max-rps", String(args["max-rps"])] : []),
  ];
  process.stderr.write(`find-max: $ ${cmd.join(" ").replace(process.execPath, "bun")}\n`);
  const r = Bun.spawnSync(cmd, { cwd: PROJECT_ROOT, stdout: "pipe", stderr: "inherit" });
  const text = r.stdout.toString();
  let result: unknown;
  try {
    result = JSON.parse(text);
  } catch {
    throw new Error(`the load tool did not answer JSON (exit ${r.exitCode}):\n${text.slice(0, 2000)}`);
  }
  writeFileSync(join(out, "find-max.json"), JSON.stringify(result, null, 2) + "\n");
  writeFileSync(join(out, "meta.json"), JSON.stringify({ variant: args.variant, mix: args.mix, index, p99Ms: args.p99, pinning: pin.note, scheduling: args.rt ? "service at SCHED_FIFO 30 (chrt); load generator default" : "default", loadCommand: cmd.join(" ").replace(process.execPath, "bun"), exitCode: r.exitCode, meta }, null, 2) + "\n");
  const found = result as { maxRps?: number | null; limitedBy?: string };
  console.log(`${args.variant} ${args.mix}: highest rate with p99 < ${args.p99} ms: ${found.maxRps ?? "none"} req/s (stopped by ${found.limitedBy ?? "?"}); ${pin.note}`);
  console.log(out);
} catch (e) {
  server.proc.kill("SIGKILL");
  fail((e as Error).message, 1);
}
server.proc.kill("SIGKILL");
