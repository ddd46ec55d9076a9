/**
 * The continuous-profile directory: one file per capture and kind, named so
 * that `ls` sorts it by time and a reader needs no index to select a range:
 *
 *   20261201T031400Z_cpu_v0_ec98998a1b2c_myhost_w0.pb.gz
 *   <UTC start>      kind variant commit  host   worker
 *
 * Writes are crash-safe (a temp file in the same directory, fsync, rename):
 * a reader sees a whole profile or none. Retention deletes by the time in the
 * name (oldest first), never by mtime, so it is exact and testable.
 */
import { readdirSync, rmSync } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { join } from "node:path";

export type Kind = "cpu" | "heap" | "block";
export const KINDS: readonly Kind[] = ["cpu", "heap", "block"];

/** What a capture file says about itself (its name carries all of it). */
export interface CaptureName {
  startMs: number;
  kind: Kind;
  variant: string;
  commit: string;
  host: string;
  worker: number;
}

const TMP_PREFIX = ".tmp-";
const NAME_RE = /^(\d{8}T\d{6}Z)_(cpu|heap|block)_([A-Za-z0-9.-]+)_([A-Za-z0-9.-]+)_([A-Za-z0-9.-]+)_w(\d+)\.pb\.gz$/;

/** A name field: anything but letters, digits, '.' and '-' becomes '-' ('_' separates the fields). */
export const field = (s: string) => s.replace(/[^A-Za-z0-9.-]+/g, "-") || "unknown";

/** stamp renders epoch ms as the name's UTC time, to the second: 20261201T031400Z. */
export function stamp(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}Z$/, "Z");
}

function parseStamp(s: string): number {
  const iso = `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}Z`;
  return Date.parse(iso);
}

export function captureFileName(c: CaptureName): string {
  return `${stamp(c.startMs)}_${c.kind}_${field(c.variant)}_${field(c.commit)}_${field(c.host)}_w${c.worker}.pb.gz`;
}

/** parseCaptureName reads a capture file's name; null for anything else (temp files, history output, meta.json). */
export function parseCaptureName(name: string): CaptureName | null {
  const m = NAME_RE.exec(name);
  if (!m) return null;
  const startMs = parseStamp(m[1]!);
  if (!Number.isFinite(startMs)) return null;
  return { startMs, kind: m[2] as Kind, variant: m[3]!, commit: m[4]!, host: m[5]!, worker: Number(m[6]) };
}

/** listCaptures returns the directory's capture files, oldest first. */
export function listCaptures(dir: string): (CaptureName & { file: string; path: string })[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .flatMap((file) => {
      const c = parseCaptureName(file);
      return c ? [{ ...c, file, path: join(dir, file) }] : [];
    })
    .sort((a, b) => a.startMs - b.startMs || (a.file < b.file ? -1 : 1));
}

/**
 * writeAtomic puts bytes at dir/name so that a crash at any point leaves the
 * old state or the whole new file, never a torn one. Asynchronous: the
 * writes and fsyncs run off the JS thread, which keeps serving meanwhile.
 */
export async function writeAtomic(dir: string, name: string, bytes: Uint8Array): Promise<string> {
  const tmp = join(dir, `${TMP_PREFIX}${process.pid}-${name}`);
  const fh = await open(tmp, "w");
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  const final = join(dir, name);
  try {
    await rename(tmp, final);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  // The rename itself is durable only once the directory is synced.
  try {
    const d = await open(dir, "r");
    await d.sync().finally(() => d.close());
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic.
  }
  return final;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
};

/** removeStaleTemps deletes temp files left by a writer that died mid-write (its pid is gone); a live worker's are left alone. */
export function removeStaleTemps(dir: string): string[] {
  const removed: string[] = [];
  for (const f of readdirSync(dir)) {
    if (!f.startsWith(TMP_PREFIX)) continue;
    const pid = Number(f.slice(TMP_PREFIX.length).split("-", 1)[0]);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) continue;
    rmSync(join(dir, f), { force: true });
    removed.push(f);
  }
  return removed;
}

export interface Retention {
  keepMs: number;
  maxFiles: number;
}

/** prune deletes captures older than keepMs before nowMs, then the oldest beyond maxFiles; returns the names removed. */
export function prune(dir: string, nowMs: number, r: Retention): string[] {
  const all = listCaptures(dir);
  const cut = nowMs - r.keepMs;
  const old = all.filter((c) => c.startMs < cut);
  const rest = all.filter((c) => c.startMs >= cut);
  const over = rest.slice(0, Math.max(0, rest.length - r.maxFiles));
  const removed: string[] = [];
  for (const c of [...old, ...over]) {
    // Another worker may have pruned it already.
    rmSync(c.path, { force: true });
    removed.push(c.file);
  }
  return removed;
}
