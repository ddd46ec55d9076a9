/**
 * Cumulative per-stack values, as Go's block and mutex profiles keep them:
 * a profile read is the totals since profiling began; a `?seconds=N` read is
 * the difference of two snapshots.
 */
import { type Frame, ProfileBuilder, type ProfileSpec } from "./pprof.ts";

interface Entry {
  frames: Frame[];
  labels?: Record<string, string>;
  values: number[];
}

export class StackCounts {
  private entries = new Map<string, Entry>();

  add(frames: Frame[], values: number[], labels?: Record<string, string>): void {
    const key = frames.map((f) => `${f.name}@${f.file}:${f.line}`).join("|") + (labels ? JSON.stringify(labels) : "");
    const e = this.entries.get(key);
    if (e) for (let i = 0; i < values.length; i++) e.values[i]! += values[i]!;
    else this.entries.set(key, { frames, labels, values: [...values] });
  }

  /** snapshot copies the current totals (for a later diff). */
  snapshot(): Map<string, Entry> {
    return new Map([...this.entries].map(([k, e]) => [k, { ...e, values: [...e.values] }]));
  }

  /** toPprof encodes totals, or totals minus `base` when given (entries that did not grow are dropped). */
  toPprof(spec: ProfileSpec, base?: Map<string, Entry>): Uint8Array {
    const b = new ProfileBuilder(spec);
    for (const [k, e] of this.entries) {
      const old = base?.get(k)?.values;
      const values = old ? e.values.map((v, i) => v - old[i]!) : e.values;
      if (values.some((v) => v > 0)) b.add(e.frames, values, e.labels);
    }
    return b.encode();
  }

  get size(): number {
    return this.entries.size;
  }
}
