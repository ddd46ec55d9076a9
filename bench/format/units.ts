/**
 * Benchmark units as benchstat treats them (golang.org/x/perf/benchunit):
 * tidying pre-scaled units to base units ("ns/op" → "sec/op", "MB/s" → "B/s"),
 * the prefix class of a unit (binary for bytes, decimal otherwise), and
 * scaling a value to at least three significant digits with an SI or IEC prefix.
 */
import { formatFixed } from "../stats/go-format.ts";

// Tokens of a unit: separated by '*', '/', '-' and spaces; after '/' they are in the denominator.
function* tokens(unit: string): Generator<{ tok: string; pos: number; denom: boolean }> {
  let denom = false, i = 0;
  while (i < unit.length) {
    const c = unit[i]!;
    if (c === "*") denom = false;
    else if (c === "/") denom = true;
    else if (!(c === "-" || /\s/.test(c))) {
      let end = i;
      while (end < unit.length && !/[*/\-\s]/.test(unit[end]!)) end++;
      yield { tok: unit.slice(i, end), pos: i, denom };
      i = end;
      continue;
    }
    i++;
  }
}

/** tidyUnit returns the base unit and the factor that converts a value into it. */
export function tidyUnit(unit: string): [tidied: string, factor: number] {
  switch (unit) {
    case "ns/op":
      return ["sec/op", 1e-9];
    case "MB/s":
      return ["B/s", 1e6];
    case "B/op":
    case "allocs/op":
      return [unit, 1];
  }
  if (!unit.includes("ns") && !unit.includes("MB")) return [unit, 1];
  let factor = 1;
  const edits: { pos: number; len: number; replace: string }[] = [];
  for (const t of tokens(unit)) {
    if (t.denom) continue;
    if (t.tok === "ns") {
      edits.push({ pos: t.pos, len: 2, replace: "sec" });
      factor /= 1e9;
    } else if (t.tok === "MB") {
      edits.push({ pos: t.pos, len: 2, replace: "B" });
      factor *= 1e6;
    }
  }
  for (const e of edits.reverse()) unit = unit.slice(0, e.pos) + e.replace + unit.slice(e.pos + e.len);
  return [unit, factor];
}

export type UnitClass = "decimal" | "binary";

/** unitClass is binary when the unit counts bytes in its numerator, decimal otherwise. */
export function unitClass(unit: string): UnitClass {
  for (const t of tokens(unit)) if (!t.denom && (t.tok === "B" || t.tok === "MB" || t.tok === "bytes")) return "binary";
  return "decimal";
}

/** A scale: digits after the point, the factor of one prefix unit, and the prefix. */
export interface Scaler {
  prec: number;
  factor: number;
  prefix: string;
}

interface Factor {
  factor: number;
  prefix: string;
  t100: number;
  t10: number;
  t1: number;
}

// Thresholds are the values that print as 100.0, 10.00 and 1.000 after rounding.
const SI: Factor[] = ["T", "G", "M", "k", "", "m", "µ", "n"].map((prefix, i) => {
  const exp = 12 - 3 * i;
  return { factor: 10 ** exp, prefix, t100: Number(`99.995e${exp}`), t10: Number(`9.9995e${exp}`), t1: Number(`.99995e${exp}`) };
});
const IEC: Factor[] = ["Ti", "Gi", "Mi", "Ki", ""].map((prefix, i) => {
  const exp = 40 - 10 * i;
  return { factor: 2 ** exp, prefix, t100: 99.995 * 2 ** exp, t10: 9.9995 * 2 ** exp, t1: 0.99995 * 2 ** exp };
});
const SIGFIGS = Array.from({ length: 8 }, (_, i) => Number(`9.9995e${-1 - i}`));

/** commonScale picks one scale that shows every value in vals with ≥ 3 significant digits. */
export function commonScale(vals: readonly number[], cls: UnitClass): Scaler {
  let min = 0;
  for (const v0 of vals) {
    const v = Math.abs(v0);
    if (v !== 0 && (min === 0 || v < min)) min = v;
  }
  if (min === 0) return { prec: 3, factor: 1, prefix: "" };
  const factors = cls === "binary" ? IEC : SI;
  for (const f of factors) {
    if (min >= f.t100) return { prec: 1, factor: f.factor, prefix: f.prefix };
    if (min >= f.t10) return { prec: 2, factor: f.factor, prefix: f.prefix };
    if (min >= f.t1) return { prec: 3, factor: f.factor, prefix: f.prefix };
  }
  const last = factors[factors.length - 1]!;
  const val = min / last.factor;
  for (let i = 0; i < SIGFIGS.length; i++) {
    if (val >= SIGFIGS[i]! || i === SIGFIGS.length - 1) return { prec: i + 3, factor: last.factor, prefix: last.prefix };
  }
  throw new Error("unreachable");
}

/** formatScaled renders val in the given scale ("1.718µ"). */
export function formatScaled(s: Scaler, val: number): string {
  return formatFixed(val / s.factor, s.prec) + s.prefix;
}

/** scale renders one value with its own scale. */
export function scale(val: number, cls: UnitClass): string {
  return formatScaled(commonScale([val], cls), val);
}
