/**
 * Built-in `top`: flat and cumulative value per function, as `go tool pprof
 * -top` prints it. Flat = the function was the leaf; cum = it was anywhere on
 * the stack (counted once per sample, so recursion does not double it).
 */
import type { FlatProfile } from "../../src/admin/pprof.ts";
import { fnKey, total } from "./pprof.ts";

export interface TopRow {
  /** "name file" (the aggregation key). */
  key: string;
  name: string;
  file: string;
  flat: number;
  cum: number;
  flatShare: number;
  cumShare: number;
}

/** Rows for every function, sorted by flat (or cum) descending. */
export function topRows(p: FlatProfile, index: number, by: "flat" | "cum" = "flat"): TopRow[] {
  const rows = new Map<string, TopRow>();
  const row = (name: string, file: string) => {
    const key = fnKey({ name, file, line: 0 });
    let r = rows.get(key);
    if (!r) rows.set(key, (r = { key, name, file, flat: 0, cum: 0, flatShare: 0, cumShare: 0 }));
    return r;
  };
  for (const s of p.samples) {
    const v = s.values[index] ?? 0;
    if (!v) continue;
    const leaf = s.stack[0];
    if (leaf) row(leaf.name, leaf.file).flat += v;
    const seen = new Set<string>();
    for (const f of s.stack) {
      const r = row(f.name, f.file);
      if (seen.has(r.key)) continue;
      seen.add(r.key);
      r.cum += v;
    }
  }
  const t = total(p, index) || 1;
  const out = [...rows.values()];
  for (const r of out) {
    r.flatShare = r.flat / t;
    r.cumShare = r.cum / t;
  }
  return out.sort((a, b) => (by === "cum" ? b.cum - a.cum || b.flat - a.flat : b.flat - a.flat || b.cum - a.cum));
}

/** Formats a value in its unit the way pprof does (ns → ms/s, bytes → kB/MB). */
export function fmtValue(v: number, unit: string): string {
  const a = Math.abs(v);
  if (unit === "nanoseconds") {
    if (a >= 1e9) return `${(v / 1e9).toFixed(2)}s`;
    if (a >= 1e6) return `${(v / 1e6).toFixed(2)}ms`;
    if (a >= 1e3) return `${(v / 1e3).toFixed(2)}µs`;
    return `${Math.round(v)}ns`;
  }
  if (unit === "bytes") {
    if (a >= 2 ** 30) return `${(v / 2 ** 30).toFixed(2)}GB`;
    if (a >= 2 ** 20) return `${(v / 2 ** 20).toFixed(2)}MB`;
    if (a >= 2 ** 10) return `${(v / 2 ** 10).toFixed(2)}kB`;
    return `${Math.round(v)}B`;
  }
  return String(Math.round(v * 100) / 100);
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

/** The text table: `flat flat% sum% cum cum% function (file)`. */
export function topTable(p: FlatProfile, index: number, o: { n?: number; by?: "flat" | "cum"; focus?: RegExp } = {}): string {
  const unit = p.sampleTypes[index]?.unit ?? "";
  const t = total(p, index);
  let rows = topRows(p, index, o.by ?? "flat");
  if (o.focus) rows = rows.filter((r) => o.focus!.test(r.name) || o.focus!.test(r.file));
  const shown = rows.slice(0, o.n ?? 20);
  const head = `${p.sampleTypes[index]?.type}/${unit}: total ${fmtValue(t, unit)} in ${p.samples.length} stacks; showing ${shown.length} of ${rows.length} functions`;
  let sum = 0;
  const lines = shown.map((r) => {
    sum += r.flatShare;
    return `${fmtValue(r.flat, unit).padStart(10)} ${pct(r.flatShare).padStart(7)} ${pct(sum).padStart(7)} ${fmtValue(r.cum, unit).padStart(10)} ${pct(r.cumShare).padStart(7)}  ${r.name}${r.file ? `  ${shortFile(r.file)}` : ""}`;
  });
  return [head, `${"flat".padStart(10)} ${"flat%".padStart(7)} ${"sum%".padStart(7)} ${"cum".padStart(10)} ${"cum%".padStart(7)}  function`, ...lines].join("\n");
}

/** A path relative to the project when it is inside it (tables stay narrow). */
export function shortFile(file: string): string {
  const root = `${process.cwd()}/`;
  return file.startsWith(root) ? file.slice(root.length) : file;
}
