/**
 * The regression gate over benchstat's tables: every speed comparison (time
 * per op up, or a rate down, against the first column) is one test of a
 * family; the family is corrected with Holm–Bonferroni (stats/holm.ts), so
 * the chance that unchanged code fails the gate stays ≤ alpha however many
 * rows there are. A row fails when its adjusted p ≤ alpha AND it is slower
 * by more than the threshold. B/op and allocs/op are not gated (a person
 * judges them from the table).
 *
 * A gate that cannot reject is not a gate: with n rounds per side the
 * smallest p a Mann-Whitney test can give is 2/C(2n, n); if that is above
 * Holm's first threshold alpha/m, no regression could ever fail it, and the
 * gate says so instead of passing.
 */
import { holm } from "../stats/holm.ts";
import { uTestMinP } from "../stats/mann-whitney.ts";
import type { Table } from "./tables.ts";

export interface GateOptions {
  alpha: number;
  /** Fail only slowdowns larger than this, percent. */
  thresholdPct: number;
  correction: "holm" | "none";
}

export interface GateRow {
  name: string;
  unit: string;
  column: string;
  /** (new / old − 1) × 100. */
  deltaPct: number;
  /** Slower (time up, rate down). */
  worse: boolean;
  p: number;
  /** p after the correction across the family (= p with correction none). */
  pAdj: number;
  n1: number;
  n2: number;
  fails: boolean;
}

export interface GateResult {
  rows: GateRow[];
  failures: GateRow[];
  /** Why the gate cannot decide (it then fails), or null. */
  undecidable: string | null;
  /** Speed rows that ran on one side only (a benchmark added or removed, or a suite skipped): not judged. */
  unpaired: string[];
  opts: GateOptions;
}

const cellKey = (row: string, col: string) => `${row}\u0000${col}`;

export function runGate(tables: readonly Table[], opts: GateOptions): GateResult {
  const rows: GateRow[] = [];
  const unpaired: string[] = [];
  for (const t of tables) {
    const higherIsBetter = /\/s$/.test(t.unit);
    if (!higherIsBetter && !t.unit.startsWith("sec/")) continue;
    for (const row of t.rows) for (const col of t.cols.slice(1)) {
      const cell = t.cells.get(cellKey(row, col));
      if (!cell?.baseline || !cell.comparison) {
        unpaired.push(row);
        continue;
      }
      const a = cell.baseline.summary.center, b = cell.summary.center;
      const deltaPct = a === 0 ? 0 : (b / a - 1) * 100;
      // A comparison that could not be made (all values equal) carries p = 1: no evidence.
      const p = cell.comparison.p;
      rows.push({ name: row, unit: t.unit, column: col, deltaPct, worse: higherIsBetter ? deltaPct < 0 : deltaPct > 0, p, pAdj: p, n1: cell.comparison.n1, n2: cell.comparison.n2, fails: false });
    }
  }
  const adj = opts.correction === "holm" ? holm(rows.map((r) => r.p), opts.alpha).adjusted : rows.map((r) => r.p);
  rows.forEach((r, i) => {
    r.pAdj = adj[i]!;
    r.fails = r.pAdj <= opts.alpha && r.worse && Math.abs(r.deltaPct) > opts.thresholdPct;
  });
  let undecidable: string | null = null;
  if (rows.length === 0) undecidable = "no speed row was compared (no benchmark ran on both sides?)";
  else {
    const n = Math.min(...rows.map((r) => Math.min(r.n1, r.n2)));
    const first = opts.correction === "holm" ? opts.alpha / rows.length : opts.alpha;
    if (uTestMinP(n) > first) undecidable = `with ${n} values per side the smallest possible p is ${uTestMinP(n).toPrecision(3)}, above ${opts.correction === "holm" ? `Holm's first threshold alpha/m = ${first.toPrecision(3)} (m = ${rows.length} rows)` : `alpha = ${first}`}: no slowdown could fail the gate; run more rounds`;
  }
  return { rows, failures: rows.filter((r) => r.fails), undecidable, unpaired, opts };
}

/** gateText: one line per failing row, and the verdict with the family it was decided over. */
export function gateText(g: GateResult): string {
  const pct = (x: number) => `${x > 0 ? "+" : ""}${x.toFixed(2)}%`;
  const how = g.opts.correction === "holm" ? `Holm–Bonferroni over ${g.rows.length} speed row(s)` : `uncorrected, ${g.rows.length} speed row(s)`;
  const lines = g.failures.map((r) => `regression: ${r.name} ${r.unit} ${pct(r.deltaPct)} (p=${r.p.toFixed(4)}, adjusted p=${r.pAdj.toFixed(4)}) in ${r.column}, beyond ${g.opts.thresholdPct}%`);
  if (g.unpaired.length) lines.push(`gate: not judged, ran on one side only: ${g.unpaired.join(", ")}`);
  if (g.undecidable) lines.push(`gate: cannot decide: ${g.undecidable}`);
  else lines.push(`gate: ${g.failures.length ? "FAIL" : "pass"}: ${g.failures.length} significant slowdown(s) beyond ${g.opts.thresholdPct}% at alpha ${g.opts.alpha} (${how})`);
  return `${lines.join("\n")}\n`;
}
