/**
 * The parent side of a benchmark run: starts each round as a fresh `bun`
 * process, collects its per-benchmark summary values, and renders them as Go
 * benchmark text (a header of configuration lines, then one line per
 * benchmark per round) that bench:compare and the real benchstat both read.
 */
import { availableParallelism, cpus } from "node:os";
import { join } from "node:path";
import { formatGoBenchLine } from "../format/gobench.ts";
import { RESULT_PREFIX } from "./round.ts";

export type SummaryStat = "mean" | "median";

/** One benchmark's figures from one round. */
export interface RoundResult {
  name: string;
  iters: number;
  meanNs: number;
  medianNs: number;
  bytesPerOp?: number;
}

export interface RoundOptions {
  /** The repository root whose bench/harness/round.ts runs (a worktree for A/B). */
  root: string;
  filter?: string;
  variant?: string;
  seed: number;
  timeMs: number;
  alloc: boolean;
  env?: Record<string, string>;
}

/** runRound runs one round in a fresh process and returns its results; throws with the child's last error line on failure. */
export async function runRound(o: RoundOptions): Promise<RoundResult[]> {
  const args = [process.execPath, join(o.root, "bench/harness/round.ts"), "--seed", String(o.seed), "--time", `${o.timeMs}ms`];
  if (o.filter !== undefined) args.push("--filter", o.filter);
  if (o.variant !== undefined) args.push("--variant", o.variant);
  if (!o.alloc) args.push("--no-alloc");
  await using proc = Bun.spawn(args, { cwd: o.root, stdout: "pipe", stderr: "pipe", env: { ...process.env, ...o.env } });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  for (const line of err.split("\n")) if (line.startsWith("bench: ")) process.stderr.write(`${line}\n`);
  if (code !== 0) {
    const last = err.trim().split("\n").filter(Boolean).pop() ?? `exit code ${code}`;
    throw new Error(`round failed in ${o.root}: ${last}`);
  }
  return out
    .split("\n")
    .filter((l) => l.startsWith(RESULT_PREFIX))
    .map((l) => JSON.parse(l.slice(RESULT_PREFIX.length)) as RoundResult);
}

/** The configuration lines of a results file: what ran where. */
export function header(commit: string, extra: [string, string][] = []): [string, string][] {
  const arch = { x64: "amd64", arm64: "arm64", ia32: "386" }[process.arch as string] ?? process.arch;
  return [
    ["goos", process.platform],
    ["goarch", arch],
    ["pkg", "enrich/bench"],
    ["cpu", cpus()[0]?.model.trim() ?? "unknown"],
    ["runtime", `bun ${Bun.version} (${Bun.revision.slice(0, 9)})`],
    ["commit", commit],
    ...extra,
  ];
}

/** The -N suffix Go adds for GOMAXPROCS; here the cores the process may use. */
export const PROCS = availableParallelism();

/** goLines renders one round's results as benchmark lines (ns/op and, when measured, B/op). */
export function goLines(results: readonly RoundResult[], stat: SummaryStat): string[] {
  // Sorted by name so tables list benchmarks in a stable order whatever order they ran in.
  return [...results].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((r) => {
    const values = [{ value: round(stat === "mean" ? r.meanNs : r.medianNs), unit: "ns/op" }];
    if (r.bytesPerOp !== undefined) values.push({ value: Math.round(r.bytesPerOp), unit: "B/op" });
    return formatGoBenchLine({ name: `${r.name}-${PROCS}`, iters: r.iters, values });
  });
}

// Four significant digits at least, never fewer than 2 decimals below 100 ns.
function round(ns: number): number {
  if (ns >= 1000) return Math.round(ns);
  return Number(ns.toPrecision(4));
}

