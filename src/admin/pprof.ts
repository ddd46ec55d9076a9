/**
 * A small builder over pprof-format: interns strings, functions and locations,
 * aggregates identical stacks, and encodes gzipped protobuf (what
 * `go tool pprof` reads). Every profile endpoint builds through this.
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

/** decodePprof reads a (possibly gzipped) pprof file; used by tests and the analysis scripts. */
export function decodePprof(bytes: Uint8Array): Profile {
  const raw = bytes[0] === 0x1f && bytes[1] === 0x8b ? Bun.gunzipSync(bytes as Uint8Array<ArrayBuffer>) : bytes;
  return Profile.decode(raw);
}

/** Flattened view of a decoded profile: each sample's frames (leaf first) with names resolved. */
export function readSamples(p: Profile): { frames: Frame[]; values: number[]; labels: Record<string, string> }[] {
  const str = (i: unknown) => p.stringTable.strings[Number(i)] ?? "";
  const fns = new Map(p.function.map((f) => [Number(f.id), f]));
  const locs = new Map(p.location.map((l) => [Number(l.id), l]));
  return p.sample.map((s) => ({
    frames: s.locationId.flatMap((id) =>
      (locs.get(Number(id))?.line ?? []).map((ln) => {
        const f = fns.get(Number(ln.functionId))!;
        return { name: str(f.name), file: str(f.filename), line: Number(ln.line) };
      }),
    ),
    values: s.value.map(Number),
    labels: Object.fromEntries(s.label.map((l) => [str(l.key), str(l.str)])),
  }));
}

/** sampleTypes lists a decoded profile's value types as "type/unit". */
export function sampleTypes(p: Profile): string[] {
  return p.sampleType.map((t) => `${p.stringTable.strings[Number(t.type)]}/${p.stringTable.strings[Number(t.unit)]}`);
}

export const PPROF_HEADERS = { "content-type": "application/octet-stream", "content-disposition": 'attachment; filename="profile.pb.gz"' };
