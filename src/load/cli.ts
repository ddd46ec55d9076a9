/**
 * Usage: bun run load --url URL --rps R --duration D --corpus FILE [flags]
 *        bun run load --find-max --p99 100ms --corpus FILE [--rps START] [flags]
 *
 * Open-model load at a fixed arrival rate, latency measured from each
 * request's intended start. Progress on stderr, a percentile table (or
 * --json) on stdout. Exit 0 on a valid run (also one the server held back:
 * labelled server-limited), 3 on an INVALID one (the generator could not
 * keep its schedule), 1 when the run cannot start, 2 on a bad flag.
 * Details: docs/load.md.
 */
import { writeFileSync } from "node:fs";
import { cli, fail } from "../cli/args.ts";
import { formatDuration } from "../cli/duration.ts";
import { LoadError } from "./errors.ts";
import { findMax } from "./find-max.ts";
import { writeHistOut } from "./hist-out.ts";
import { parseConnections, type LoadInput } from "./options.ts";
import { curveSvg, percentileSvg } from "./plot.ts";
import { curveTable, progressLine, table } from "./report.ts";
import { runLoad, type Progress } from "./run.ts";
import { LOAD_DEFAULTS } from "../config.ts";

const USAGE = `Usage: bun run load --url URL --rps R --duration D --corpus FILE [flags]
       bun run load --find-max --p99 100ms --corpus FILE [--rps START] [flags]

Open-model load: request i is due at t0 + i/rate (or Poisson arrivals), sent
on time whether or not earlier ones have answered; latency counts from the
intended start. Three histograms: corrected (completion − intended), service
time (completion − actual send), send lag (actual send − intended). A run the
generator could not keep on schedule is reported INVALID (exit 3); one whose
server held every connection is VALID, labelled SERVER-LIMITED (stalled or
saturated), with what that means and what (not) to do.
Exit codes: 0 valid run, 3 invalid run (or find-max found no rate), 1 cannot run, 2 bad flag.`;

const SPECS = {
  url: { kind: "string", help: "target URL (POST)", default: LOAD_DEFAULTS.url },
  rps: { kind: "number", help: "offered arrival rate, requests/s (with --find-max: the first step)" },
  duration: { kind: "duration", help: "measured period (per step with --find-max)", default: formatDuration(LOAD_DEFAULTS.durationMs) },
  corpus: { kind: "string", help: "ndjson file, one request body per line, cycled in order" },
  connections: { kind: "string", help: "keep-alive connections: a number, or 'unbounded'", default: String(LOAD_DEFAULTS.connections) },
  arrivals: { kind: "string", help: "arrival process", choices: ["constant", "poisson"], default: LOAD_DEFAULTS.arrivals },
  seed: { kind: "number", help: "seed for Poisson gaps", default: LOAD_DEFAULTS.seed },
  warmup: { kind: "duration", help: "run the schedule this long first; its samples are discarded", default: formatDuration(LOAD_DEFAULTS.warmupMs) },
  timeout: { kind: "duration", help: "a request unanswered this long after its intended start is a timeout", default: formatDuration(LOAD_DEFAULTS.timeoutMs) },
  transport: { kind: "string", help: "raw keep-alive sockets or Bun fetch", choices: ["raw", "fetch"], default: LOAD_DEFAULTS.transport },
  timer: { kind: "string", help: "how the generator sleeps between sends: precise (wakes within ~0.1 ms) or ms (whole milliseconds, as wrk2)", choices: ["precise", "ms"], default: LOAD_DEFAULTS.timer },
  "max-lag": { kind: "duration", help: "validity: schedule-lag p99 limit", default: formatDuration(LOAD_DEFAULTS.maxLagMs) },
  json: { kind: "boolean", help: "print the result as JSON on stdout instead of the table" },
  "hist-out": { kind: "string", help: "write encoded histograms to FILE and .hgrm percentile files beside it" },
  plot: { kind: "string", help: "write an SVG chart: latency by percentile, or vs rate with --find-max" },
  "find-max": { kind: "boolean", help: "step the rate to find the highest valid rate with p99 under --p99 and no errors" },
  p99: { kind: "duration", help: "--find-max pass threshold for corrected p99", default: formatDuration(LOAD_DEFAULTS.findMaxP99Ms) },
  "max-rps": { kind: "number", help: "--find-max: never offer more than this" },
  "max-steps": { kind: "number", help: "--find-max: step budget", default: LOAD_DEFAULTS.findMaxSteps },
  retries: { kind: "number", help: "--find-max: re-run an INVALID or STOLEN step up to N times (never a p99/error failure)", default: LOAD_DEFAULTS.findMaxRetries },
  "max-steal": { kind: "number", help: "--find-max: a step that fails while the host steals more than this share of a CPU in some second is STOLEN, no verdict (1 = off)", default: LOAD_DEFAULTS.findMaxMaxSteal },
  quiet: { kind: "boolean", help: "no progress line on stderr" },
} as const;

async function main(): Promise<number> {
  const f = cli(process.argv.slice(2), USAGE, SPECS);
  if (!f.corpus) fail("--corpus is required (an ndjson file of request bodies; `bun run gen` writes them)");
  if (!f["find-max"] && f.rps === undefined) fail("--rps is required (or use --find-max)");
  const connections = parseConnections(f.connections);
  if (connections === null) fail(`--connections: expected a whole number ≥ 1 or 'unbounded', got '${f.connections}'`);

  const input: LoadInput = {
    url: f.url,
    corpus: f.corpus,
    rps: f.rps ?? LOAD_DEFAULTS.findMaxStartRps,
    durationMs: f.duration,
    warmupMs: f.warmup,
    timeoutMs: f.timeout,
    connections,
    arrivals: f.arrivals as "constant" | "poisson",
    seed: f.seed,
    transport: f.transport as "raw" | "fetch",
    timer: f.timer as "precise" | "ms",
    maxLagMs: f["max-lag"],
  };
  const ctrl = new AbortController();
  process.on("SIGINT", () => {
    if (ctrl.signal.aborted) process.exit(130);
    process.stderr.write("\nstopping: draining requests in flight (Ctrl-C again to quit now)\n");
    ctrl.abort();
  });
  const progress = f.quiet ? undefined : progressWriter();

  if (f["find-max"]) {
    const result = await findMax(
      { ...input, p99Ms: f.p99, startRps: input.rps, maxRps: f["max-rps"], maxSteps: f["max-steps"], retries: f.retries, maxSteal: f["max-steal"] },
      {
        signal: ctrl.signal,
        onProgress: progress?.update,
        onStepStart: (rps, k) => progress?.note(`step ${k + 1}: ${rps} rps`),
        onStep: (s) => progress?.note(`  → ${s.verdict}${s.verdict === "invalid" ? `: ${s.reasons.join("; ")}` : s.verdict === "stolen" ? `: the host stole up to ${Math.round(s.hostSteal * 100)}% of a CPU in one second` : ""} (p99 ${s.p99}ms, achieved ${s.achievedRps}/s)`),
      },
    );
    progress?.done();
    process.stdout.write(f.json ? JSON.stringify(result, null, 2) + "\n" : curveTable(result));
    if (f.plot) writeFileSync(f.plot, curveSvg(result));
    if (f["hist-out"] && result.best) writeHistOut(f["hist-out"], result.best);
    return result.maxRps === null ? 3 : 0;
  }

  const result = await runLoad(input, { signal: ctrl.signal, onProgress: progress?.update });
  progress?.done();
  process.stdout.write(f.json ? JSON.stringify(result, null, 2) + "\n" : table(result));
  if (!result.validity.valid) process.stderr.write(`INVALID RUN: ${result.validity.reasons.join("; ")}\n`);
  if (f["hist-out"]) writeHistOut(f["hist-out"], result);
  if (f.plot) writeFileSync(f.plot, percentileSvg(result));
  return result.validity.valid ? 0 : 3;
}

/** Rewrites one line in place on a terminal; prints one line per update otherwise. */
function progressWriter() {
  const tty = process.stderr.isTTY;
  let open = false;
  const update = (p: Progress) => {
    process.stderr.write(tty ? `\r${progressLine(p)}\x1b[K` : `${progressLine(p)}\n`);
    open = tty;
  };
  const done = () => {
    if (open) process.stderr.write("\n");
    open = false;
  };
  const note = (line: string) => {
    done();
    process.stderr.write(`${line}\n`);
  };
  return { update, done, note };
}

main().then(
  (code) => process.exit(code),
  (e) => {
    if (e instanceof LoadError) fail(e.message, 1);
    fail(`unexpected: ${(e as Error).stack ?? e}`, 1);
  },
);
