/**
 * pprof, both ways, over pprof-format. ProfileBuilder interns strings,
 * functions and locations, aggregates identical stacks, and encodes gzipped
 * protobuf (what `go tool pprof` reads): every profile endpoint, and the
 * profile kit's diff and convert, write through it. decodePprof + flatten is
 * the one reader (the tests, scripts/profile, the history merge).
 */
import { gzipSync } from "node:zlib";
import { Function as PFunction, Label, Line, Location, Mapping, Profile, Sample, StringTable, ValueType } from "pprof-format";

/** One stack frame, as every profile source normalises it. line 0 = unknown. */
export interface Frame {
  name: string;
  file: string;
  line: number;
}

export interface ProfileSpec {
  /** Sample types in value order, e.g. [["samples","count"],["cpu","nanoseconds"]]. */
  sampleTypes: [string, string][];
  periodType?: [string, string];
  period?: number;
  /** Index into sampleTypes of the type tools show by default. */
  defaultSampleType?: number;
  timeNanos?: number;
  durationNanos?: number;
  comments?: string[];
}

export class ProfileBuilder {
  private readonly strings = new StringTable();
  private readonly functions = new Map<string, PFunction>();
  private readonly locations = new Map<string, Location>();
  private readonly samples = new Map<string, { sample: Sample; values: number[] }>();

  constructor(private readonly spec: ProfileSpec) {}

  private functionId(name: string, file: string): number {
    const key = `${name}\u0000${file}`;
    let f = this.functions.get(key);
    if (!f) {
      f = new PFunction({ id: this.functions.size + 1, name: this.strings.dedup(name), systemName: this.strings.dedup(name), filename: this.strings.dedup(file) });
      this.functions.set(key, f);
    }
    return Number(f.id);
  }

  private locationId(frame: Frame): number {
    const key = `${frame.name}\u0000${frame.file}\u0000${frame.line}`;
    let loc = this.locations.get(key);
    if (!loc) {
      loc = new Location({ id: this.locations.size + 1, mappingId: 1, line: [new Line({ functionId: this.functionId(frame.name, frame.file), line: frame.line })] });
      this.locations.set(key, loc);
    }
    return Number(loc.id);
  }

  /** add accumulates `values` on the stack `frames` (leaf first), merging identical stacks and labels. */
  add(frames: readonly Frame[], values: readonly number[], labels?: Record<string, string>): void {
    const ids = frames.map((f) => this.locationId(f));
    const labelKey = labels ? Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(",") : "";
    const key = `${ids.join(",")}|${labelKey}`;
    const hit = this.samples.get(key);
    if (hit) {
      for (let i = 0; i < values.length; i++) hit.values[i]! += values[i]!;
      return;
    }
    const label = labels ? Object.entries(labels).map(([k, v]) => new Label({ key: this.strings.dedup(k), str: this.strings.dedup(v) })) : [];
    this.samples.set(key, { sample: new Sample({ locationId: ids, value: [], label }), values: [...values] });
  }

  /** append adds `values` on `frames` (leaf first) as a sample of its own, never merged: a profile re-encoded keeps its samples. */
  append(frames: readonly Frame[], values: readonly number[]): void {
    const sample = new Sample({ locationId: frames.map((f) => this.locationId(f)), value: [], label: [] });
    // The key only has to be unique: merged samples' keys hold a "|".
    this.samples.set(`#${this.samples.size}`, { sample, values: [...values] });
  }

  /** build returns the pprof-format Profile (values rounded to integers, as the format requires). */
  build(): Profile {
    const s = this.spec;
    const vt = ([type, unit]: [string, string]) => new ValueType({ type: this.strings.dedup(type), unit: this.strings.dedup(unit) });
    const sampleType = s.sampleTypes.map(vt);
    const periodType = s.periodType ? vt(s.periodType) : undefined;
    const comment = (s.comments ?? []).map((c) => this.strings.dedup(c));
    const sample = [...this.samples.values()].map(({ sample, values }) => {
      sample.value = values.map((v) => Math.round(v));
      return sample;
    });
    // One mapping for the runtime, already symbolized: tools then neither warn nor try to symbolize.
    const mapping = [new Mapping({ id: 1, filename: this.strings.dedup("bun"), hasFunctions: true, hasFilenames: true, hasLineNumbers: true })];
    return new Profile({
      sampleType,
      mapping,
      sample,
      location: [...this.locations.values()],
      function: [...this.functions.values()],
      stringTable: this.strings,
      timeNanos: s.timeNanos ?? Date.now() * 1e6,
      durationNanos: s.durationNanos ?? 0,
      periodType,
      period: s.period ?? 0,
      comment,
      defaultSampleType: s.defaultSampleType !== undefined ? this.strings.dedup(s.sampleTypes[s.defaultSampleType]![0]) : 0,
    });
  }

  /** encode returns the gzipped protobuf, ready to serve as application/octet-stream. */
  encode(): Uint8Array {
    return gzipSync(this.build().encode());
  }
}

/** decodePprof reads a (possibly gzipped, detected by magic) pprof file. Throws on anything that is not a profile. */
export function decodePprof(bytes: Uint8Array): Profile {
  const raw = bytes[0] === 0x1f && bytes[1] === 0x8b ? Bun.gunzipSync(bytes as Uint8Array<ArrayBuffer>) : bytes;
  return Profile.decode(raw);
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

/**
 * flatten is the one pprof reader (tests, the analysis scripts, the history
 * merge): names resolved, inlined lines innermost first as pprof lists them, a
 * location without lines named by its address, numeric labels as their number.
 */
export function flatten(p: Profile): FlatProfile {
  const str = (i: unknown) => p.stringTable.strings[Number(i)] ?? "";
  const fns = new Map(p.function.map((f) => [Number(f.id), f]));
  const locs = new Map(p.location.map((l) => [Number(l.id), l]));
  const frameOf = new Map<number, Frame[]>();
  const framesFor = (id: number): Frame[] => {
    let fr = frameOf.get(id);
    if (!fr) {
      fr = (locs.get(id)?.line ?? []).map((ln) => {
        const f = fns.get(Number(ln.functionId));
        return { name: f ? str(f.name) : "?", file: f ? str(f.filename) : "", line: Number(ln.line) };
      });
      if (!fr.length) fr = [{ name: `0x${id.toString(16)}`, file: "", line: 0 }];
      frameOf.set(id, fr);
    }
    return fr;
  };
  // A label with neither a string nor a unit is the empty string (its str is index 0), not the number 0.
  const labelValue = (l: Label) => (l.str || !(l.num || l.numUnit) ? str(l.str) : String(l.num));
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
      labels: Object.fromEntries(s.label.map((l) => [str(l.key), labelValue(l)])),
    })),
  };
}

/** readSamples: flatten's samples with the stack named `frames` (the shape ProfileBuilder.add takes), for the admin tests and the history merge. */
export function readSamples(p: Profile): { frames: Frame[]; values: number[]; labels: Record<string, string> }[] {
  return flatten(p).samples.map((s) => ({ frames: s.stack, values: s.values, labels: s.labels }));
}

/** sampleTypes lists a decoded profile's value types as "type/unit". */
export function sampleTypes(p: Profile): string[] {
  return p.sampleType.map((t) => `${p.stringTable.strings[Number(t.type)]}/${p.stringTable.strings[Number(t.unit)]}`);
}

export const PPROF_HEADERS = { "content-type": "application/octet-stream", "content-disposition": 'attachment; filename="profile.pb.gz"' };
