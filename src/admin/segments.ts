/**
 * Which request the JS thread was working for, over time: the synchronous
 * segments of each request, so a CPU sample (or a block stall's samples) can
 * be labelled with the request whose segment covers its timestamp.
 *
 * JSC's sampler knows the stack, never the request, and Bun has no async
 * hooks to say when a continuation starts. So the hot path marks it: the
 * request wrapper when Bun hands a request to JS, the body reader when the
 * bytes are in, the handler when it starts and when the variant's answer is
 * back, the wrapper again when the Response is ready (requests.ts, app.ts).
 * A segment runs from one request's mark to the next mark of another request,
 * an explicit leave (the wrapper handing control back to Bun), or the
 * sampler's drain (a timer: a new task, so whatever ran before is over).
 * Code between marks of the same request — Elysia's validation after the
 * body reader, the variant's own continuations run in the same microtask
 * drain — is the request's, as it is in fact. What this cannot see: a
 * continuation resumed by another native callback with no mark of its own
 * (v0's per-key awaited stat and lock) is charged to the last request that
 * was marked; docs/profiling.md ("pprof labels") says how much that is.
 *
 * Times are performance.now() ms, the clock sampler.ts converts JSC's sample
 * stamps to. Segments are recorded only while the sampler runs, and kept
 * only until the next drain has labelled the samples they cover.
 */
import type { Labels } from "./request-labels.ts";

/** Anything a segment can belong to: a request record (its labels may be refined once its body is parsed). */
export interface SegmentOwner {
  labels: Labels;
}

/** Segments that end this long before a drain are dropped after it: a sample stamped during the drain itself comes in the next one. */
const KEEP_MS = 5;

export class SegmentLog {
  private recording = false;
  private cur: SegmentOwner | null = null;
  private curStart = 0;
  private starts: number[] = [];
  private ends: number[] = [];
  private owners: SegmentOwner[] = [];
  /** The labels of samples no segment covers (the hub sets route="(none)" and the variant); none when unset. */
  unattributed: Labels | undefined = undefined;

  get isRecording(): boolean {
    return this.recording;
  }

  /** setRecording: on while the sampler runs (sampler.ts); off drops everything. */
  setRecording(on: boolean): void {
    if (on === this.recording) return;
    this.recording = on;
    this.cur = null;
    this.starts = [];
    this.ends = [];
    this.owners = [];
  }

  /** enter: the JS thread now works for `o` (a no-op if it already does). */
  enter(o: SegmentOwner, now?: number): void {
    if (!this.recording || this.cur === o) return;
    const t = now ?? performance.now();
    if (this.cur) this.close(t);
    this.cur = o;
    this.curStart = t;
  }

  /** leave: `o` hands the thread back (to Bun's native code); nothing is charged to it until its next mark. */
  leave(o: SegmentOwner, now?: number): void {
    if (this.cur !== o) return;
    this.close(now ?? performance.now());
    this.cur = null;
  }

  private close(t: number): void {
    if (t > this.curStart) {
      this.starts.push(this.curStart);
      this.ends.push(t);
      this.owners.push(this.cur!);
    }
  }

  /**
   * label gives each sample (in time order) the owner and labels of the
   * segment covering its time, or `unattributed`; then closes the open segment (the
   * drain is a new task) and forgets the segments no later sample can fall in.
   */
  label<S extends { t: number; labels?: Labels; owner?: SegmentOwner }>(samples: S[], now = performance.now()): void {
    if (this.cur) {
      this.close(now);
      this.cur = null;
    }
    let j = 0;
    const n = this.starts.length;
    for (const s of samples) {
      while (j < n && this.ends[j]! < s.t) j++;
      const owner = j < n && this.starts[j]! <= s.t ? this.owners[j]! : undefined;
      s.owner = owner;
      s.labels = owner ? owner.labels : this.unattributed;
    }
    let drop = 0;
    while (drop < n && this.ends[drop]! < now - KEEP_MS) drop++;
    if (drop) {
      this.starts.splice(0, drop);
      this.ends.splice(0, drop);
      this.owners.splice(0, drop);
    }
  }

  /** How many closed segments are held (tests). */
  get held(): number {
    return this.starts.length;
  }
}

/** The process's one log: there is one JS thread, and one sampler (sampler.ts). */
export const segments = new SegmentLog();
