/**
 * benchstat's default comparison (golang.org/x/perf/cmd/benchstat): one table
 * per file-level configuration and unit, a row per benchmark full name, a
 * column per input file, the first column the baseline. Each cell is
 * summarised by its unit's assumption; each later cell is compared with the
 * baseline cell of its row; a geomean row closes every table.
 */
import type { BenchResult, ParsedFile } from "../format/gobench.ts";
import { commonScale, formatScaled, scale, unitClass } from "../format/units.ts";
import { assumeExact, assumeNothing, comparisonString, formatDelta, newSample, pctRange, significant } from "../stats/assume.ts";
import type { Assumption, Comparison, Sample, Summary } from "../stats/assume.ts";
import { formatFixed } from "../stats/go-format.ts";
import { geomean } from "../stats/geomean.ts";
import { TextTable } from "../format/texttab.ts";

/** Keys that identify a run rather than a benchmark, ignored by default so A/B files line up (benchstat: `-ignore commit,variant`). */
export const DEFAULT_IGNORE = Object.freeze(["commit", "variant"]);

export interface CompareOpts {
  alpha: number;
  confidence: number;
  /** Configuration keys left out of the table grouping. */
  ignore: readonly string[];
}

export interface Cell {
  sample: Sample;
  summary: Summary;
  baseline?: Cell;
  comparison?: Comparison;
}

export interface ColumnSummary {
  summary?: number;
  ratio?: number;
  warnings: string[];
}

export interface Table {
  /** The configuration printed above the table, in field order. */
  config: [string, string][];
  unit: string;
  assumption: Assumption;
  rows: string[];
  cols: string[];
  cells: Map<string, Cell>;
  summary: Map<string, ColumnSummary>;
}

const cellKey = (row: string, col: string) => `${row}\u0000${col}`;

/** An input file: its column label and parsed contents. */
export interface Input {
  label: string;
  parsed: ParsedFile;
}

/** buildTables groups, summarises and compares the results of all inputs. */
export function buildTables(inputs: readonly Input[], opts: CompareOpts): Table[] {
  const ignore = new Set(opts.ignore);
  // First-observation order of every dimension, for benchstat's sort.
  const fieldOrder: string[] = [];
  const valueOrder = new Map<string, Map<string, number>>();
  const unitOrder = new Map<string, number>();
  const rowOrder = new Map<string, number>();
  const see = (m: Map<string, number>, v: string) => (m.has(v) ? m.get(v)! : (m.set(v, m.size), m.size - 1));
  const all: { r: BenchResult; label: string }[] = [];
  for (const input of inputs) for (const r of input.parsed.results) all.push({ r, label: input.label });
  for (const { r } of all) {
    for (const [k, v] of r.config) {
      if (ignore.has(k)) continue;
      if (!valueOrder.has(k)) {
        fieldOrder.push(k);
        valueOrder.set(k, new Map());
      }
      see(valueOrder.get(k)!, v);
    }
    for (const v of r.values) see(unitOrder, v.unit);
    see(rowOrder, r.name);
  }
  for (const k of fieldOrder) see(valueOrder.get(k)!, ""); // a missing key sorts last

  interface Group { config: string[]; unit: string; cells: Map<string, number[]>; rows: Set<string>; cols: Set<string> }
  const groups = new Map<string, Group>();
  for (const { r, label } of all) {
    const cfg = new Map(r.config);
    const config = fieldOrder.map((k) => cfg.get(k) ?? "");
    for (const v of r.values) {
      const key = JSON.stringify([config, v.unit]);
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { config, unit: v.unit, cells: new Map(), rows: new Set(), cols: new Set() }));
      const ck = cellKey(r.name, label);
      const vals = g.cells.get(ck) ?? [];
      vals.push(v.value);
      g.cells.set(ck, vals);
      g.rows.add(r.name);
      g.cols.add(label);
    }
  }
  const labelOrder = new Map(inputs.map((x, i) => [x.label, i]));
  const sorted = [...groups.values()].sort((a, b) => {
    for (let i = 0; i < fieldOrder.length; i++) {
      const m = valueOrder.get(fieldOrder[i]!)!;
      const d = m.get(a.config[i]!)! - m.get(b.config[i]!)!;
      if (d !== 0) return d;
    }
    return unitOrder.get(a.unit)! - unitOrder.get(b.unit)!;
  });

  const units = new Map<string, Map<string, string>>();
  for (const input of inputs) for (const [u, meta] of input.parsed.units) units.set(u, new Map([...(units.get(u) ?? []), ...meta]));

  return sorted.map((g) => {
    const assumption = units.get(g.unit)?.get("assume") === "exact" ? assumeExact : assumeNothing;
    const rows = [...g.rows].sort((a, b) => rowOrder.get(a)! - rowOrder.get(b)!);
    const cols = [...g.cols].sort((a, b) => labelOrder.get(a)! - labelOrder.get(b)!);
    const cells = new Map<string, Cell>();
    for (const [k, values] of g.cells) {
      const sample = newSample(values);
      cells.set(k, { sample, summary: assumption.summary(sample, opts.confidence) });
    }
    for (const row of rows) {
      const base = cells.get(cellKey(row, cols[0]!));
      if (!base) continue;
      for (const col of cols.slice(1)) {
        const cell = cells.get(cellKey(row, col));
        if (!cell) continue;
        cell.baseline = base;
        cell.comparison = assumption.compare(base.sample, cell.sample, opts.alpha);
      }
    }
    const table: Table = { config: fieldOrder.map((k, i) => [k, g.config[i]!]), unit: g.unit, assumption, rows, cols, cells, summary: new Map() };
    const nBase = rows.filter((r) => cells.has(cellKey(r, cols[0]!))).length;
    cols.forEach((col, i) => table.summary.set(col, summarizeColumn(table, col, nBase, i === 0)));
    return table;
  });
}

// The geomean of the column's centres, and the geomean of its ratios to the baseline.
function summarizeColumn(t: Table, col: string, nBase: number, isBase: boolean): ColumnSummary {
  const s: ColumnSummary = { warnings: [] };
  const summaries: number[] = [], ratios: number[] = [];
  let badRatio = false;
  for (const row of t.rows) {
    const cell = t.cells.get(cellKey(row, col));
    if (!cell) continue;
    summaries.push(cell.summary.center);
    if (cell.baseline) {
      const a = cell.summary.center, b = cell.baseline.summary.center;
      if (a === b) ratios.push(1); // 0/0 counts as no change
      else if (b === 0) {
        badRatio = true;
        ratios.push(0);
      } else ratios.push(a / b);
    }
  }
  if (!isBase && nBase !== ratios.length) s.warnings.push("benchmark set differs from baseline; geomeans may not be comparable");
  const gm = geomean(summaries);
  if (Number.isNaN(gm)) s.warnings.push("summaries must be >0 to compute geomean");
  else s.summary = gm;
  if (!isBase && !badRatio) {
    const gr = geomean(ratios);
    if (Number.isNaN(gr)) s.warnings.push("ratios must be >0 to compute geomean");
    else s.ratio = gr;
  }
  return s;
}

const SUPER = [..."⁰¹²³⁴⁵⁶⁷⁸⁹"];
const superscript = (i: number) => [...String(i)].map((d) => SUPER[Number(d)]).join("");

/** renderTable lays one table out exactly as benchstat's text format does, footnotes included. */
export function renderTable(t: Table): string {
  const o = new TextTable();
  const LABEL = 1, CENTER = 3, DELTA = 3;
  const startCol = (exp: number) => (exp === 0 ? LABEL : LABEL + CENTER + (exp - 1) * (CENTER + DELTA));
  const warningList: string[] = [];
  const warningIndex = new Map<string, number>();
  const warn = (...lists: string[][]) => {
    const notes: string[] = [];
    for (const list of lists) for (const w of list) {
      if (!warningIndex.has(w)) {
        warningIndex.set(w, warningList.length);
        warningList.push(w);
      }
      notes.push(superscript(warningIndex.get(w)! + 1));
    }
    o.cell(notes.join(" "));
  };

  const rEdge = startCol(t.cols.length + 1);
  o.row();
  t.cols.forEach((label, i) => o.col(startCol(i)).span(startCol(i + 1) - startCol(i), label, { align: "center", margin: " │ " }));
  o.col(rEdge).cell("", { margin: " │" });
  o.row();
  t.cols.forEach((_, i) => {
    const l = startCol(i);
    o.col(l).span(CENTER, t.unit, { align: "center", margin: " │ " });
    if (i > 0) o.span(DELTA, "vs base", { align: "left", margin: "  " });
    for (let j = l + 1; j < o.currentCol; j++) o.setShrink(j, true);
  });
  o.col(rEdge).cell("", { margin: " │" });

  const cls = unitClass(t.unit);
  for (const row of t.rows) {
    o.row();
    o.cell(row);
    const centers = t.cols.flatMap((c) => {
      const cell = t.cells.get(cellKey(row, c));
      return cell ? [cell.summary.center] : [];
    });
    const scaler = commonScale(centers, cls);
    t.cols.forEach((col, exp) => {
      const cell = t.cells.get(cellKey(row, col));
      if (!cell) return;
      o.col(startCol(exp));
      o.cell(formatScaled(scaler, cell.summary.center), { align: "right" });
      o.cell(pctRange(cell.summary), { align: "right", margin: " ± " });
      warn(cell.sample.warnings, cell.summary.warnings);
      if (exp > 0 && cell.baseline && cell.comparison) {
        o.cell(formatDelta(cell.comparison, cell.baseline.summary.center, cell.summary.center), { align: "right" });
        o.cell(`(${comparisonString(cell.comparison)})`);
        warn(cell.comparison.warnings);
      }
    });
  }
  if (t.rows.length > 1) {
    o.row();
    o.cell("geomean");
    t.cols.forEach((col, exp) => {
      const s = t.summary.get(col);
      if (!s) return;
      if (s.summary !== undefined) {
        o.col(startCol(exp));
        o.cell(scale(s.summary, cls), { align: "right" });
      }
      if (exp > 0) {
        o.col(startCol(exp) + CENTER);
        if (s.ratio !== undefined) o.cell(`${formatFixed((s.ratio - 1) * 100, 2, true)}%`, { align: "right" });
        else o.cell("?");
      }
      o.col(startCol(exp + 1) - 1);
      warn(s.warnings);
    });
  }
  let out = o.format();
  warningList.forEach((w, i) => (out += `${superscript(i + 1)} ${w}\n`));
  return out;
}

/** renderTables prints every table, each preceded by the configuration lines that changed. */
export function renderTables(tables: readonly Table[]): string {
  let out = "", prev: Map<string, string> | undefined;
  tables.forEach((t, i) => {
    if (i > 0) out += "\n";
    for (const [k, v] of t.config) if (!prev || prev.get(k) !== v) out += `${k}: ${v}\n`;
    prev = new Map(t.config);
    out += renderTable(t);
  });
  return out;
}

/** A significant change of one benchmark in one unit, as a CI gate sees it. */
export interface Change {
  name: string;
  unit: string;
  column: string;
  /** (new / old − 1) × 100. */
  deltaPct: number;
  p: number;
  /** True when the change is for the worse (slower, more bytes; for rates such as B/s, lower). */
  worse: boolean;
  /** True for units of speed: time per op (sec/…) or a rate (…/s). */
  speed: boolean;
}

/** significantChanges lists every cell that differs significantly from its baseline. */
export function significantChanges(tables: readonly Table[]): Change[] {
  const out: Change[] = [];
  for (const t of tables) {
    const higherIsBetter = /\/s$/.test(t.unit);
    for (const row of t.rows) for (const col of t.cols.slice(1)) {
      const cell = t.cells.get(cellKey(row, col));
      if (!cell?.baseline || !cell.comparison || !significant(cell.comparison)) continue;
      const a = cell.baseline.summary.center, b = cell.summary.center;
      if (a === b || a === 0) continue;
      const deltaPct = (b / a - 1) * 100;
      const speed = higherIsBetter || t.unit.startsWith("sec/");
      out.push({ name: row, unit: t.unit, column: col, deltaPct, p: cell.comparison.p, worse: higherIsBetter ? deltaPct < 0 : deltaPct > 0, speed });
    }
  }
  return out;
}
