/**
 * The Go benchmark text format (golang.org/design/14313-benchmark-format):
 * reads it (our own files and real `go test -bench` output) and writes it.
 *
 *   goos: linux                          ← configuration lines "key: value"
 *   BenchmarkName-2  1000  123 ns/op  64 B/op   ← name, iterations, value/unit pairs
 *   Unit sec/op assume=nothing           ← unit metadata
 *
 * Other lines (PASS, ok, comments) are ignored, as benchstat ignores them.
 */
import { tidyUnit } from "./units.ts";

/** One benchmark line: its value/unit pairs tidied to base units. */
export interface BenchResult {
  /** The name without the "Benchmark" prefix, GOMAXPROCS suffix kept ("Encode/format=json-48"). */
  name: string;
  iters: number;
  values: { value: number; unit: string; origUnit: string }[];
  /** The configuration in force when the line was read, in first-seen key order. */
  config: [key: string, value: string][];
  file: string;
  line: number;
}

export interface ParsedFile {
  results: BenchResult[];
  /** Unit metadata: tidied unit → key → value (e.g. "assume" → "exact"). */
  units: Map<string, Map<string, string>>;
  /** Non-fatal syntax errors, "file:line: message" like benchstat's. */
  errors: string[];
}

const SPACE = /\s+/;

// A key starts with a lower-case letter and has no space or upper case before ':'.
function keyValue(line: string): [string, string] | undefined {
  const m = /^(\p{Ll}[^\s\p{Lu}:]*):(.*)$/u.exec(line);
  if (!m) return undefined;
  const rest = m[2]!;
  if (rest === "") return [m[1]!, ""];
  if (rest[0] !== " " && rest[0] !== "\t") return undefined;
  return [m[1]!, rest.replace(/^[ \t]+/, "")];
}

/** parseGoBench reads one file's text; `file` names it in results and errors. */
export function parseGoBench(text: string, file: string): ParsedFile {
  const out: ParsedFile = { results: [], units: new Map(), errors: [] };
  const config = new Map<string, string>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!, lineNo = i + 1;
    const err = (msg: string) => out.errors.push(`${file}:${lineNo}: ${msg}`);
    if (line.startsWith("Benchmark")) {
      const r = parseBenchmarkLine(line.slice("Benchmark".length));
      if (typeof r === "string") err(r);
      else out.results.push({ ...r, config: [...config], file, line: lineNo });
    } else if (/^Unit(\s|$)/.test(line)) {
      parseUnitLine(line, out.units, err);
    } else {
      const kv = keyValue(line);
      if (kv && kv[1] === "") config.delete(kv[0]);
      else if (kv) config.set(kv[0], kv[1]);
    }
  }
  return out;
}

// "Name iters value unit [value unit ...]" → the result, or what is wrong with it.
function parseBenchmarkLine(rest: string): Pick<BenchResult, "name" | "iters" | "values"> | string {
  const name = /^\S*/.exec(rest)![0];
  const fields = rest.slice(name.length).split(SPACE).filter((x) => x !== "");
  if (fields.length === 0) return "missing iteration count";
  if (!/^[0-9]+$/.test(fields[0]!)) return "parsing iteration count: invalid syntax";
  const values: BenchResult["values"] = [];
  for (let k = 1; k < fields.length; k += 2) {
    const v = parseNumber(fields[k]!);
    if (v === undefined) return "parsing measurement: invalid syntax";
    const unit = fields[k + 1];
    if (unit === undefined) return "missing units";
    const [tidied, factor] = tidyUnit(unit);
    values.push({ value: v * factor, unit: tidied, origUnit: unit });
  }
  if (values.length === 0) return "missing measurements";
  return { name, iters: Number(fields[0]), values };
}

// "Unit <unit> key=value ..." → metadata by tidied unit; a conflicting value is an error.
function parseUnitLine(line: string, units: ParsedFile["units"], err: (msg: string) => void): void {
  const f = line.split(SPACE).filter((x) => x !== "").slice(1);
  if (f.length === 0) return err("missing unit");
  const [unit] = tidyUnit(f[0]!);
  for (const kv of f.slice(1)) {
    const eq = kv.indexOf("=");
    if (eq <= 0) {
      err("expected key=value");
      continue;
    }
    const key = kv.slice(0, eq), value = kv.slice(eq + 1);
    const meta = units.get(unit) ?? new Map<string, string>();
    const have = meta.get(key);
    if (have !== undefined && have !== value) {
      err(`metadata ${key} of unit ${f[0]} already set to ${have}`);
      continue;
    }
    meta.set(key, value);
    units.set(unit, meta);
  }
}

// Go's ParseFloat: decimal or hex floats, "inf"/"infinity"/"nan" in any case, optional sign.
function parseNumber(f: string): number | undefined {
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(f);
  if (special) return special[2]!.toLowerCase() === "nan" ? NaN : special[1] === "-" ? -Infinity : Infinity;
  if (!/^[+-]?(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)([eE][+-]?\d+)?$/.test(f)) return undefined;
  return Number(f.replaceAll("_", ""));
}

/** A benchmark line to write: name without "Benchmark", per-op values in their units. */
export interface BenchLine {
  name: string;
  iters: number;
  values: { value: number; unit: string }[];
}

/** formatGoBenchLine renders one result line, padded like `go test -bench` output. */
export function formatGoBenchLine(l: BenchLine): string {
  const vals = l.values.map((v) => `${formatValue(v.value).padStart(12)} ${v.unit}`).join("\t");
  return `Benchmark${l.name}\t${String(l.iters).padStart(10)}\t${vals}`;
}

// The shortest text that reads back as the same number (callers round to the precision they mean).
function formatValue(v: number): string {
  return String(v);
}

/** formatConfig renders the header lines ("key: value"). */
export function formatConfig(config: readonly [string, string][]): string {
  return config.map(([k, v]) => `${k}: ${v}`).join("\n");
}
