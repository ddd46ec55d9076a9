/**
 * Reading pprof files without Go: decode (gzipped or not) with pprof-format
 * and flatten each sample into resolved frames, so the built-in top, list,
 * peek, diff, the doctor and the report all work from one simple shape.
 */
import { gzipSync } from "node:zlib";
import { Function as PFunction, Line, Location, Mapping, Profile, Sample, StringTable, ValueType } from "pprof-format";

/** One resolved frame. line 0 = unknown. */
export interface Frame {
  name: string;
  file: string;
  line: number;
}

/** A decoded profile, flattened: every sample's stack leaf first, values in sampleTypes order. */
export interface FlatProfile {
  sampleTypes: { type: string; unit: string }[];
  /** Index into sampleTypes that tools show by default. */
  defaultIndex: number;
  period: number;
  periodType: { type: string; unit: string } | null;
  durationNanos: number;
  timeNanos: number;
  comments: string[];
  samples: { stack: Frame[]; values: number[]; labels: Record<string, string> }[];
}

/** Decodes pprof bytes (gzip detected by magic). Throws on anything that is not a profile. */
export function decodeProfile(bytes: Uint8Array): Profile {
  const raw = bytes[0] === 0x1f && bytes[1] === 0x8b ? Bun.gunzipSync(bytes as Uint8Array<ArrayBuffer>) : bytes;
  return Profile.decode(raw);
}

/** Flattens a decoded profile (see FlatProfile). */
export function flatten(p: Profile): FlatProfile {
  const str = (i: unknown) => p.stringTable.strings[Number(i)] ?? "";
  const fns = new Map(p.function.map((f) => [Number(f.id), f]));
  const locs = new Map(p.location.map((l) => [Number(l.id), l]));
  const frameOf = new Map<number, Frame[]>();
  const framesFor = (id: number): Frame[] => {
    let fr = frameOf.get(id);
    if (!fr) {
      // A location with inlined lines lists the innermost first, as pprof does.
      fr = (locs.get(id)?.line ?? []).map((ln) => {
        const f = fns.get(Number(ln.functionId));
        return { name: f ? str(f.name) : "?", file: f ? str(f.filename) : "", line: Number(ln.line) };
      });
      if (!fr.length) fr = [{ name: `0x${id.toString(16)}`, file: "", line: 0 }];
      frameOf.set(id, fr);
    }
    return fr;
  };
  const sampleTypes = p.sampleType.map((t) => ({ type: str(t.type), unit: str(t.unit) }));
  const dflt = str(p.defaultSampleType);
  const defaultIndex = dflt ? Math.max(0, sampleTypes.findIndex((t) => t.type === dflt)) : sampleTypes.length - 1;
  return {
    sampleTypes,
    defaultIndex: Math.max(0, defaultIndex),
    period: Number(p.period ?? 0),
    periodType: p.periodType ? { type: str(p.periodType.type), unit: str(p.periodType.unit) } : null,
    durationNanos: Number(p.durationNanos ?? 0),
    timeNanos: Number(p.timeNanos ?? 0),
    comments: (p.comment ?? []).map(str),
    samples: p.sample.map((s) => ({
      stack: s.locationId.flatMap((id) => framesFor(Number(id))),
      values: s.value.map(Number),
      labels: Object.fromEntries(s.label.map((l) => [str(l.key), l.str ? str(l.str) : String(l.num)])),
    })),
  };
}

/** Reads and flattens a pprof file. */
export async function readProfile(path: string): Promise<FlatProfile> {
  return flatten(decodeProfile(await Bun.file(path).bytes()));
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

/** Builds a pprof Profile from flat samples (the built-in diff's output, `convert`, and tests). */
export function encodeProfile(p: Omit<FlatProfile, "defaultIndex"> & { defaultIndex?: number }): Uint8Array {
  const strings = new StringTable();
  const functions = new Map<string, PFunction>();
  const locations = new Map<string, Location>();
  const fnId = (f: Frame) => {
    const k = `${f.name}\0${f.file}`;
    let fn = functions.get(k);
    if (!fn) functions.set(k, (fn = new PFunction({ id: functions.size + 1, name: strings.dedup(f.name), systemName: strings.dedup(f.name), filename: strings.dedup(f.file) })));
    return fn.id;
  };
  const locId = (f: Frame) => {
    const k = `${f.name}\0${f.file}\0${f.line}`;
    let loc = locations.get(k);
    if (!loc) locations.set(k, (loc = new Location({ id: locations.size + 1, mappingId: 1, line: [new Line({ functionId: fnId(f), line: f.line })] })));
    return loc.id;
  };
  const vt = (t: { type: string; unit: string }) => new ValueType({ type: strings.dedup(t.type), unit: strings.dedup(t.unit) });
  const sampleType = p.sampleTypes.map(vt);
  const sample = p.samples.map((s) => new Sample({ locationId: s.stack.map(locId), value: s.values.map((v) => Math.round(v)) }));
  // One mapping, already symbolized (as src/admin/pprof.ts writes): go tool pprof neither warns nor tries to symbolize.
  const mapping = [new Mapping({ id: 1, filename: strings.dedup("bun"), hasFunctions: true, hasFilenames: true, hasLineNumbers: true })];
  const profile = new Profile({
    sampleType,
    mapping,
    sample,
    location: [...locations.values()],
    function: [...functions.values()],
    stringTable: strings,
    period: p.period,
    periodType: p.periodType ? vt(p.periodType) : undefined,
    durationNanos: p.durationNanos,
    timeNanos: p.timeNanos,
    comment: p.comments.map((c) => strings.dedup(c)),
    defaultSampleType: p.defaultIndex !== undefined ? strings.dedup(p.sampleTypes[p.defaultIndex]!.type) : 0,
  });
  return gzipSync(profile.encode());
}
