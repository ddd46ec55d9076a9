/**
 * Merging captures into one profile: every sample of every capture, stacks
 * and string labels kept (commit, variant, host, worker, time, and whatever
 * the sampler labelled), so `-tagfocus` still splits the merged profile.
 * Numeric labels (a sample's time inside its own window) mean nothing across
 * windows and are dropped. CPU time and block stalls add up over windows;
 * heap figures are a level, not a flow, so they are averaged.
 */
import { decodePprof, ProfileBuilder, readSamples, sampleTypes } from "../../../src/admin/pprof.ts";
import type { Kind } from "../../../src/admin/continuous/files.ts";
import type { Capture } from "./select.ts";

export interface Merged {
  bytes: Uint8Array;
  captures: number;
  /** Sum of each sample type over the merged profile, by "type/unit". */
  totals: Record<string, number>;
}

const AVERAGED: readonly Kind[] = ["heap"];

/** mergeCaptures reads the files and returns one gzipped pprof; throws if they do not share sample types. */
export async function mergeCaptures(caps: readonly Capture[], kind: Kind, note = ""): Promise<Merged> {
  if (caps.length === 0) throw new Error("no captures to merge");
  const profiles = await Promise.all(caps.map(async (c) => ({ c, p: decodePprof(await Bun.file(c.path).bytes()) })));
  const first = profiles[0]!.p;
  const types = sampleTypes(first);
  for (const { c, p } of profiles) {
    const t = sampleTypes(p);
    if (t.join() !== types.join()) throw new Error(`${c.file} has sample types ${t.join(", ")}, ${caps[0]!.file} has ${types.join(", ")}`);
  }
  const st = first.stringTable.strings;
  const scale = AVERAGED.includes(kind) ? 1 / caps.length : 1;
  const uniq = (f: (c: Capture) => string) => [...new Set(caps.map(f))].join(", ");
  const b = new ProfileBuilder({
    sampleTypes: types.map((x) => x.split("/") as [string, string]),
    periodType: first.periodType ? [st[Number(first.periodType.type)]!, st[Number(first.periodType.unit)]!] : undefined,
    period: Number(first.period),
    defaultSampleType: Math.max(0, types.findIndex((x) => x.split("/")[0] === st[Number(first.defaultSampleType)])),
    timeNanos: Math.min(...profiles.map(({ p }) => Number(p.timeNanos))),
    durationNanos: kind === "heap" ? 0 : profiles.reduce((a, { p }) => a + Number(p.durationNanos), 0),
    comments: [
      `history: ${caps.length} ${kind} capture(s) started ${new Date(caps[0]!.startMs).toISOString()} .. ${new Date(caps[caps.length - 1]!.startMs).toISOString()}, ${scale === 1 ? "summed" : "averaged"}${note ? `; ${note}` : ""}`,
      `commits ${uniq((c) => c.commit)}; variants ${uniq((c) => c.variant)}; hosts ${uniq((c) => c.host)}`,
    ],
  });
  const totals: Record<string, number> = {};
  for (const { p } of profiles) {
    for (const s of readSamples(p)) {
      const labels = Object.fromEntries(Object.entries(s.labels).filter(([, v]) => v !== ""));
      const values = s.values.map((v) => v * scale);
      b.add(s.frames, values, Object.keys(labels).length ? labels : undefined);
      values.forEach((v, i) => (totals[types[i]!] = (totals[types[i]!] ?? 0) + v));
    }
  }
  return { bytes: b.encode(), captures: caps.length, totals };
}
