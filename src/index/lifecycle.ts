/**
 * The index a running service serves, and how it changes: one immutable
 * Index behind a reference that is swapped whole.
 *
 * - Requests take a lease on the current index at their start and use it to
 *   the end, so a reload never changes the data under a request; the old
 *   index is closed once its last lease is returned.
 * - reload(dir) verifies every byte of the new index in a worker thread (off
 *   the event loop), opens it here with header checks only, confirms it is
 *   the same files the worker read (inode and data CRC), then swaps. A bad
 *   index is refused and the old one keeps serving. One reload at a time.
 * - verifyInBackground() CRCs the files of an index opened without its data
 *   checks (large indexes under --verify-index auto), serving meanwhile; each
 *   shard's verdict goes to the index (TsIndex.markShard), and the state to
 *   /healthz and /metrics.
 *
 * Index files are immutable and replaced by rename; a file rewritten in place
 * is detected by the verification (inode or header changed) and refused, and
 * watch() notices one under the served index (same inode, new size or mtime)
 * within its period: its shard (all of them, for dir.bin) then answers 503.
 */
import { statSync } from "node:fs";
import type { Index, IndexImpl } from "./contract.ts";
import type { MappedFile } from "./open.ts";
import { openIndex } from "./open-index.ts";
import { ShardState, TsIndex } from "./ts-index.ts";

/** One served index and the requests still using it. */
export interface Lease {
  readonly index: Index;
}

interface Generation extends Lease {
  leases: number;
  retired: boolean;
}

/** "unknown": an implementation whose files this module cannot see (native, until reloaded, which verifies every file). */
export type VerifyState = "verified" | "pending" | "failed" | "unknown";

export interface IndexStatus {
  dir: string;
  entries: number;
  impl: IndexImpl;
  /** Data CRCs: all checked and good, still being checked in the background, or some file failed. */
  verify: VerifyState;
  filesVerified: number;
  filesTotal: number;
  failures: string[];
  reloads: { ok: number; refused: number; last?: { at: string; dir: string; ok: boolean; message: string } };
}

/** Thrown by reload() while another reload runs. */
export class ReloadBusyError extends Error {}

/** Runs one request of the verify worker; resolves with its messages once it says it is finished. */
function runWorker<T>(message: unknown, onMessage: (m: T) => boolean): Promise<void> {
  const worker = new Worker(new URL("./verify-worker.ts", import.meta.url).href);
  return new Promise<void>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent) => {
      if (onMessage(e.data as T)) {
        worker.terminate();
        resolve();
      }
    };
    worker.onerror = (e) => {
      worker.terminate();
      reject(new Error(`index verification worker failed: ${(e as ErrorEvent).message}`));
    };
    worker.postMessage(message);
  });
}

export class IndexRef {
  private gen: Generation;
  private reloading = false;
  private status: Omit<IndexStatus, "dir" | "entries" | "impl">;

  constructor(
    index: Index,
    private readonly impl: IndexImpl,
    private readonly log: (line: string) => void = () => {},
  ) {
    this.gen = { index, leases: 0, retired: false };
    this.status = { ...verifyStatusOf(index), failures: [], reloads: { ok: 0, refused: 0 } };
  }

  /** The index new requests get. */
  get current(): Index {
    return this.gen.index;
  }

  /** acquire leases the current index for one request; give it back with release(). */
  acquire(): Lease {
    const g = this.gen;
    g.leases++;
    return g;
  }

  release(lease: Lease): void {
    const g = lease as Generation;
    if (--g.leases === 0 && g.retired) g.index.close();
  }

  snapshot(): IndexStatus {
    const ix = this.gen.index;
    return { dir: ix.dir, entries: ix.entries, impl: ix.impl, ...this.status, failures: [...this.status.failures] };
  }

  /** swap makes `next` the served index; the old one closes when its last request ends. */
  private swap(next: Index): void {
    const old = this.gen;
    this.gen = { index: next, leases: 0, retired: false };
    old.retired = true;
    if (old.leases === 0) old.index.close();
  }

  /**
   * reload verifies `dir` fully off the event loop, opens it, and swaps it in;
   * on any problem it throws (the old index keeps serving) and records why.
   */
  async reload(dir: string): Promise<IndexStatus> {
    if (this.reloading) throw new ReloadBusyError("a reload is already running; one at a time");
    this.reloading = true;
    const at = new Date().toISOString();
    try {
      let checked: { ok: boolean; files?: MappedFile[]; error?: string } = { ok: false, error: "no answer" };
      await runWorker<typeof checked>({ kind: "open", dir }, (m) => ((checked = m), true));
      if (!checked.ok) throw new Error(checked.error);
      const next = openIndex(dir, { impl: this.impl, verify: "headers" });
      // The files opened here must be the ones the worker read: immutable files are replaced by rename, so the inode says.
      for (const f of checked.files!) {
        if (statSync(f.path).ino !== f.ino) {
          next.close();
          throw new Error(`index file ${f.path}: replaced while it was being verified; try again`);
        }
      }
      if (next instanceof TsIndex) for (const f of checked.files!) if (f.shard >= 0) next.markShard(f.shard, ShardState.Verified);
      this.swap(next);
      this.status = { verify: "verified", filesVerified: checked.files!.length, filesTotal: checked.files!.length, failures: [], reloads: { ...this.status.reloads, ok: this.status.reloads.ok + 1 } };
      this.status.reloads.last = { at, dir, ok: true, message: `serving ${next.entries} entries from ${dir}` };
      this.log(`index reloaded: ${dir} (${next.entries} entries, every file verified)`);
      return this.snapshot();
    } catch (e) {
      const message = (e as Error).message;
      this.status.reloads = { ...this.status.reloads, refused: this.status.reloads.refused + 1, last: { at, dir, ok: false, message } };
      this.log(`index reload refused, still serving ${this.gen.index.dir}: ${message}`);
      throw e;
    } finally {
      this.reloading = false;
    }
  }

  /**
   * watch stats the served index's files every `everyMs` (unref'd): a file
   * changed in place is marked corrupt and reported; a new file published by
   * rename is only logged, since it is the next reload's to serve.
   */
  watch(everyMs = 2000): () => void {
    const timer = setInterval(() => this.checkFiles(), everyMs);
    timer.unref?.();
    return () => clearInterval(timer);
  }

  private readonly told = new Set<string>();

  /** checkFiles is one round of watch(): stat every served file and act on what changed. */
  checkFiles(): void {
    const ix = this.gen.index;
    if (!(ix instanceof TsIndex)) return;
    for (const f of ix.mapped.files) {
      let problem: string | undefined, published = false;
      try {
        const st = statSync(f.path);
        if (st.ino !== f.ino) published = true;
        else if (st.size !== f.size || st.mtimeMs !== f.mtimeMs) problem = "was rewritten in place while mapped (publish indexes by rename); its data can no longer be trusted";
      } catch {
        published = true;
      }
      if (!problem && !published) continue;
      const key = `${f.path} ${published ? "published" : problem}`;
      if (this.told.has(key)) continue;
      this.told.add(key);
      if (published) {
        this.log(`index file ${f.path} was replaced on disk; still serving the mapped one until SIGHUP or POST /admin/reload`);
        continue;
      }
      const shards = f.shard >= 0 ? [f.shard] : ix.mapped.files.filter((g) => g.shard >= 0).map((g) => g.shard);
      for (const sh of shards) ix.markShard(sh, ShardState.Corrupt);
      this.status.verify = "failed";
      this.status.failures.push(`${f.path}: ${problem}`);
      this.log(`index file ${f.path}: ${problem}; its keys answer 503 until a good index is loaded`);
    }
  }

  /**
   * verifyInBackground CRCs every file the current index did not verify at
   * open, in a worker, marking each shard as its verdict arrives. Resolves
   * when done (the service does not wait for it).
   */
  async verifyInBackground(): Promise<IndexStatus> {
    const g = this.gen;
    const ix = g.index;
    if (!(ix instanceof TsIndex)) return this.snapshot();
    const todo = ix.mapped.files.filter((f) => !f.verified);
    if (todo.length === 0) return this.snapshot();
    const started = performance.now();
    this.status.verify = "pending";
    await runWorker<{ done?: boolean; file: string; shard: number; ok: boolean; problem?: string }>({ kind: "files", files: todo }, (m) => {
      if (m.done) return true;
      // A reload may have swapped the index meanwhile: its verdicts belong to the old one.
      if (this.gen !== g) return false;
      this.status.filesVerified++;
      if (m.ok) ix.markShard(m.shard, ShardState.Verified);
      else {
        ix.markShard(m.shard, ShardState.Corrupt);
        this.status.failures.push(`${m.file}: ${m.problem}`);
        this.log(`index file ${m.file}: ${m.problem}; keys in shard ${m.shard} answer 503 until a good index is loaded`);
      }
      return false;
    });
    if (this.gen === g) {
      this.status.verify = this.status.failures.length ? "failed" : "verified";
      this.log(`index data checksums: ${this.status.verify} (${todo.length} files in ${((performance.now() - started) / 1000).toFixed(1)} s, in the background)`);
    }
    return this.snapshot();
  }
}

function verifyStatusOf(index: Index): Pick<IndexStatus, "verify" | "filesVerified" | "filesTotal"> {
  if (!(index instanceof TsIndex)) return { verify: "unknown", filesVerified: 0, filesTotal: 0 };
  const files = index.mapped.files;
  const done = files.filter((f) => f.verified).length;
  return { verify: done === files.length ? "verified" : "pending", filesVerified: done, filesTotal: files.length };
}
