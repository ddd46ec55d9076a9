/**
 * Built-in `list` and `peek`, the fallbacks for `go tool pprof -list/-peek`.
 *
 * list: for each function matching RE, its source lines with flat (the line
 * was executing) and cum (the line was on the stack: for callers, the call
 * site) — the JSC sampler gives call-site lines for non-leaf frames.
 * peek: for each matching function, who called it and what it called, with
 * the value that flowed along each edge.
 */
import { existsSync, readFileSync } from "node:fs";
import type { FlatProfile } from "../../src/admin/pprof.ts";
import { fnKey, total } from "./pprof.ts";
import { fmtValue, shortFile } from "./top.ts";

export function listText(p: FlatProfile, index: number, re: RegExp): string {
  const unit = p.sampleTypes[index]?.unit ?? "";
  const t = total(p, index) || 1;
  const fns = new Map<string, { name: string; file: string; flat: Map<number, number>; cum: Map<number, number>; flatT: number; cumT: number }>();
  for (const s of p.samples) {
    const v = s.values[index] ?? 0;
    if (!v) continue;
    const seen = new Set<string>();
    s.stack.forEach((f, depth) => {
      if (!re.test(f.name)) return;
      const k = fnKey(f);
      let e = fns.get(k);
      if (!e) fns.set(k, (e = { name: f.name, file: f.file, flat: new Map(), cum: new Map(), flatT: 0, cumT: 0 }));
      if (depth === 0) {
        e.flat.set(f.line, (e.flat.get(f.line) ?? 0) + v);
        e.flatT += v;
      }
      const lk = `${k}:${f.line}`;
      if (!seen.has(lk)) {
        seen.add(lk);
        e.cum.set(f.line, (e.cum.get(f.line) ?? 0) + v);
      }
      if (!seen.has(k)) {
        seen.add(k);
        e.cumT += v;
      }
    });
  }
  if (!fns.size) return `no function matches ${re}`;
  const out: string[] = [];
  for (const e of [...fns.values()].sort((a, b) => b.cumT - a.cumT)) {
    out.push(`ROUTINE ======================== ${e.name} in ${shortFile(e.file) || "(no file)"}`);
    out.push(`${fmtValue(e.flatT, unit).padStart(10)} ${fmtValue(e.cumT, unit).padStart(10)} (flat, cum) ${((e.cumT / t) * 100).toFixed(2)}% of total`);
    const lines = [...new Set([...e.flat.keys(), ...e.cum.keys()])].filter((l) => l > 0).sort((a, b) => a - b);
    const src = e.file && existsSync(e.file) ? readFileSync(e.file, "utf8").split("\n") : null;
    if (!lines.length) continue;
    const from = Math.max(1, lines[0]! - 2);
    const to = Math.min(src ? src.length : lines[lines.length - 1]!, lines[lines.length - 1]! + 2);
    for (let l = from; l <= to; l++) {
      const f = e.flat.get(l), c = e.cum.get(l);
      if (!src && f === undefined && c === undefined) continue;
      const col = (x: number | undefined) => (x === undefined ? "." : fmtValue(x, unit)).padStart(10);
      out.push(`${col(f)} ${col(c)} ${String(l).padStart(5)}: ${src ? src[l - 1] : ""}`);
    }
  }
  return out.join("\n");
}

export function peekText(p: FlatProfile, index: number, re: RegExp): string {
  const unit = p.sampleTypes[index]?.unit ?? "";
  const t = total(p, index) || 1;
  type Edge = Map<string, number>;
  const nodes = new Map<string, { name: string; flat: number; cum: number; callers: Edge; callees: Edge }>();
  for (const s of p.samples) {
    const v = s.values[index] ?? 0;
    if (!v) continue;
    const seen = new Set<string>();
    s.stack.forEach((f, depth) => {
      if (!re.test(f.name)) return;
      const k = fnKey(f);
      let n = nodes.get(k);
      if (!n) nodes.set(k, (n = { name: f.name, flat: 0, cum: 0, callers: new Map(), callees: new Map() }));
      if (depth === 0) n.flat += v;
      if (seen.has(k)) return;
      seen.add(k);
      n.cum += v;
      const caller = s.stack[depth + 1];
      const callee = depth > 0 ? s.stack[depth - 1] : undefined;
      const ck = caller ? caller.name : "(root)";
      n.callers.set(ck, (n.callers.get(ck) ?? 0) + v);
      if (callee) n.callees.set(callee.name, (n.callees.get(callee.name) ?? 0) + v);
    });
  }
  if (!nodes.size) return `no function matches ${re}`;
  const out: string[] = [];
  const pct = (x: number, of: number) => `${((x / (of || 1)) * 100).toFixed(1)}%`;
  for (const n of [...nodes.values()].sort((a, b) => b.cum - a.cum)) {
    out.push("-".repeat(72));
    const edges = (m: Edge) => [...m].sort((a, b) => b[1] - a[1]);
    for (const [name, v] of edges(n.callers)) out.push(`${fmtValue(v, unit).padStart(12)} ${pct(v, n.cum).padStart(7)}  |  caller  ${name}`);
    out.push(`${fmtValue(n.flat, unit).padStart(12)} flat ${pct(n.flat, t)} · ${fmtValue(n.cum, unit)} cum ${pct(n.cum, t)}  ▶ ${n.name}`);
    for (const [name, v] of edges(n.callees)) out.push(`${fmtValue(v, unit).padStart(12)} ${pct(v, n.cum).padStart(7)}  |  callee  ${name}`);
  }
  return out.join("\n");
}
