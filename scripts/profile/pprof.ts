/**
 * The analysis commands' view of a pprof file: src/admin/pprof.ts reads it
 * into a FlatProfile (one reader for the service's tests and these scripts);
 * the built-in top, list, peek, diff, the doctor and the report pick sample
 * types and totals here, and write profiles back through its ProfileBuilder.
 */
import { decodePprof, type FlatProfile, flatten, type Frame, ProfileBuilder } from "../../src/admin/pprof.ts";

/** Reads and flattens a pprof file. */
export async function readProfile(path: string): Promise<FlatProfile> {
  return flatten(decodePprof(await Bun.file(path).bytes()));
}

/** Picks a sample index by type name ("cpu", "delay", ...) or number; the profile's default otherwise. */
export function sampleIndex(p: FlatProfile, wanted?: string): number {
  if (wanted === undefined || wanted === "") return p.defaultIndex;
  const n = Number(wanted);
  if (Number.isInteger(n) && n >= 0 && n < p.sampleTypes.length) return n;
  const i = p.sampleTypes.findIndex((t) => t.type === wanted);
  if (i < 0) throw new Error(`sample type '${wanted}' not in this profile (it has ${p.sampleTypes.map((t) => t.type).join(", ")})`);
  return i;
}

/** Total of one value column. */
export function total(p: FlatProfile, index: number): number {
  let t = 0;
  for (const s of p.samples) t += s.values[index] ?? 0;
  return t;
}

/** Function key: what top/diff aggregate by (name and file, as pprof's default granularity). */
export const fnKey = (f: Frame) => (f.file ? `${f.name} ${f.file}` : f.name);

/** Encodes flat samples as gzipped pprof, one sample each, labels dropped (the built-in diff's output, `convert`, and tests). */
export function encodeProfile(p: Omit<FlatProfile, "defaultIndex"> & { defaultIndex?: number }): Uint8Array {
  const b = new ProfileBuilder({
    sampleTypes: p.sampleTypes.map((t): [string, string] => [t.type, t.unit]),
    periodType: p.periodType ? [p.periodType.type, p.periodType.unit] : undefined,
    period: p.period,
    defaultSampleType: p.defaultIndex,
    timeNanos: p.timeNanos,
    durationNanos: p.durationNanos,
    comments: p.comments,
  });
  for (const s of p.samples) b.append(s.stack, s.values);
  return b.encode();
}
