/**
 * Profile files known by their content, not their name: pprof (gzipped or
 * not), a Chrome .cpuprofile (`bun --cpu-prof`, DevTools, a bundle's
 * cpu.cpuprofile) and a V8 heap snapshot (`bun --heap-prof`'s .heapprofile,
 * `/debug/pprof/heap`, a bundle's heap.heapsnapshot). Every analysis command
 * reads through readAnyProfile; `go tool pprof` and `convert` get pprof bytes
 * from toPprof: the heap snapshot folded exactly as `/debug/pprof/heap?format=pprof`
 * folds it (the same function).
 */
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { heapToPprof } from "../../src/admin/heap.ts";
import { BUNDLE } from "./bundle.ts";
import type { CpuProfileJson } from "../../src/admin/cpuprofile-json.ts";
import { fromCpuProfile, isCpuProfile } from "./cpuprofile.ts";
import { decodePprof, type FlatProfile, flatten } from "../../src/admin/pprof.ts";
import { encodeProfile } from "./pprof.ts";

export type ProfileKind = "pprof" | "cpuprofile" | "heapsnapshot";

/** A file's bytes, classified; JSON is parsed once. */
export type Sniffed = { kind: "pprof"; bytes: Uint8Array } | { kind: "cpuprofile"; json: CpuProfileJson } | { kind: "heapsnapshot"; text: string };

const isHeapSnapshot = (x: unknown) => Array.isArray((x as { snapshot?: { meta?: { node_fields?: unknown } } } | null)?.snapshot?.meta?.node_fields) && Array.isArray((x as { nodes?: unknown }).nodes);

/** sniff classifies profile bytes: JSON (first non-blank byte `{`) is a .cpuprofile or a heap snapshot, anything else must be pprof. Throws saying what it expected. */
export function sniff(bytes: Uint8Array, name = "input"): Sniffed {
  let i = 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  if (bytes[i] !== 0x7b) return { kind: "pprof", bytes };
  const text = new TextDecoder().decode(bytes);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${name}: looks like JSON but does not parse: ${(e as Error).message}`);
  }
  if (isCpuProfile(json)) return { kind: "cpuprofile", json };
  if (isHeapSnapshot(json)) return { kind: "heapsnapshot", text };
  const keys = Object.keys(json as object).slice(0, 6).join(", ");
  throw new Error(`${name}: JSON, but neither a .cpuprofile (nodes, samples, timeDeltas) nor a V8 heap snapshot (snapshot.meta, nodes); its keys: ${keys}`);
}

/** The pprof bytes (gzipped) of a sniffed file: a heap snapshot by type as /debug/pprof/heap?format=pprof, a .cpuprofile as fromCpuProfile reads it. */
export function toPprof(s: Sniffed): Uint8Array {
  if (s.kind === "pprof") return s.bytes;
  if (s.kind === "heapsnapshot") return heapToPprof(s.text);
  return encodeProfile(fromCpuProfile(s.json));
}

/** The FlatProfile of a sniffed file. */
export function toFlat(s: Sniffed, name = "input"): FlatProfile {
  if (s.kind === "cpuprofile") return fromCpuProfile(s.json);
  try {
    return flatten(decodePprof(toPprof(s)));
  } catch (e) {
    throw new Error(`${name}: not a pprof profile, a .cpuprofile or a V8 heap snapshot (${(e as Error).message})`);
  }
}

/** readAnyProfile reads and flattens any profile file this module knows. */
export async function readAnyProfile(path: string): Promise<FlatProfile> {
  return toFlat(sniff(await Bun.file(path).bytes(), path), path);
}

/** profileKind says what a file holds (reads it). */
export async function profileKind(path: string): Promise<ProfileKind> {
  return sniff(await Bun.file(path).bytes(), path).kind;
}

let copies = 0;

/**
 * pprofFileFor gives `go tool pprof` a file it reads: the path itself for
 * pprof, else a converted copy in the temp directory, removed by `done`.
 */
export async function pprofFileFor(path: string): Promise<{ path: string; done(): void }> {
  const bytes = await Bun.file(path).bytes();
  const s = sniff(bytes, path);
  if (s.kind === "pprof") return { path, done() {} };
  const tmp = join(tmpdir(), `profile-${process.pid}-${++copies}-${basename(path)}.pb.gz`);
  writeFileSync(tmp, toPprof(s));
  return { path: tmp, done: () => rmSync(tmp, { force: true }) };
}

/** What a directory offers for `--profile`: a bundle's file first, then Bun's own (`--cpu-prof-dir`, `--heap-prof-dir`). */
const IN_DIR: Record<string, { bundle: string[]; ext: string[] }> = {
  cpu: { bundle: [BUNDLE.cpu, BUNDLE.cpuprofile], ext: [".cpuprofile"] },
  heap: { bundle: [BUNDLE.heap, BUNDLE.heapSnapshot], ext: [".heapprofile", ".heapsnapshot"] },
};

/**
 * profileInDir picks the `profile` file of a directory: `<profile>.pprof`
 * (for cpu and heap also the bundle's cpu.cpuprofile or heap.heapsnapshot),
 * else the newest *.cpuprofile (cpu) or *.heapprofile / *.heapsnapshot (heap)
 * — what `bun --cpu-prof-dir` / `--heap-prof-dir` fill. Returns an error text when none.
 */
export function profileInDir(dir: string, profile: string): { path: string; note?: string } | { error: string } {
  const want = IN_DIR[profile] ?? { bundle: [`${profile}.pprof`], ext: [] };
  for (const f of want.bundle) if (existsSync(join(dir, f))) return { path: join(dir, f) };
  const found = readdirSync(dir)
    .filter((f) => want.ext.some((e) => f.endsWith(e)))
    .map((f) => ({ path: join(dir, f), mtime: statSync(join(dir, f)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  if (found.length) return { path: found[0]!.path, note: found.length > 1 ? `${found.length} ${want.ext.join("/")} files in ${dir}; using the newest, ${basename(found[0]!.path)}` : undefined };
  return { error: `${dir} has no ${want.bundle.join(" or ")}${want.ext.length ? ` and no *${want.ext.join(" or *")}` : ""} (in a bundle, meta.json "files" says why)` };
}
