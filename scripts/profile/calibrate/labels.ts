/**
 * The pprof labels' calibration: the labelled-cost server (thin and fat
 * batches of known, different costs, two tenants) under open-model load at a
 * known mix, one admin CPU profile over a window of it, and each label
 * value's share of the labelled CPU against the server's own account of the
 * burn (the JS thread's CPU clock around each one, by batch class and tenant).
 *
 * The mix cycles four bodies: thin/a, thin/b, thin/a, fat/b. With a fat batch
 * costing FAT_UNITS = 4 thin ones, the construction gives batch=fat 4/7 of
 * the burn and tenant=b 5/7; the truth is still read from the kernel, so a
 * slower or preempted request counts as it ran.
 *
 * What else is scored: of the samples whose stack is in burnFat (burnThin),
 * the share labelled batch=fat (thin) — attribution by timestamp against the
 * stack's own word — and the share of the profile no request was on
 * (route="(none)": the event loop, admin work, Bun's native HTTP).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodePprof, readSamples } from "../../../src/admin/pprof.ts";
import { NO_REQUEST_ROUTE } from "../../../src/admin/request-labels.ts";
import { OUTSIDE_JS } from "../../../src/admin/sampler.ts";
import { PROFILE_LABELS, LABEL_CALIBRATE_DEFAULTS } from "../../../src/config.ts";
import { ensureDefaultIndex } from "../../../src/service/default-index.ts";
import { startLoad } from "../../../src/load/index.ts";
import { pinSelfWhile, pinning } from "../../lib/meta.ts";
import { spawnService, type RunningService } from "../../lib/spawn-service.ts";
import { TOLERANCE_POINTS } from "./score.ts";

export const LABELLED_COST_SERVER = join(import.meta.dir, "labelled-cost-server.ts");

/** What GET /truth answers (labelled-cost-server.ts), cumulative since the server started. */
export interface LabelTruth {
  onCpuNs: number;
  byBatch: Record<string, number>;
  byTenant: Record<string, number>;
  requests: Record<string, number>;
  thinUnits: number;
  fatUnits: number;
}

export interface LabelRow {
  label: string;
  value: string;
  /** Share of the burn by the kernel's clock, 0–1. */
  truth: number;
  /** Share of the CPU of samples carrying this label key, 0–1. */
  profile: number;
}

export interface LabelScore {
  rows: LabelRow[];
  /** Of the CPU in samples under burnFat / burnThin, the share labelled batch=fat / thin. */
  stackAgreement: { burnFat: number; burnThin: number };
  /** CPU with route="(none)" (or no labels) over the profile's total. */
  unattributed: number;
  /** batch=fat's CPU over the whole profile: what `-tagfocus=batch=fat` keeps. */
  fatOfTotal: number;
  profileMs: number;
  samples: number;
  requests: Record<string, number>;
  failures: string[];
}

/** The corpus: the 4-body cycle (thin/a, thin/b, thin/a, fat/b), one body per line. */
export function mixCorpus(fatEvents: number): string {
  const thin = (tenant: string) => JSON.stringify({ events: [{ key: "12345", attrs: { tenant } }] });
  const fat = (tenant: string) => JSON.stringify({ events: Array.from({ length: fatEvents }, (_, i) => ({ key: String(1000 + i), attrs: i === 0 ? { tenant } : {} })) });
  return [thin("a"), thin("b"), thin("a"), fat("b")].join("\n") + "\n";
}

const shares = (m: Record<string, number>): Record<string, number> => {
  const sum = Object.values(m).reduce((a, b) => a + b, 0);
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, sum > 0 ? v / sum : 0]));
};

const delta = (a: Record<string, number>, b: Record<string, number>) => Object.fromEntries(Object.keys(b).map((k) => [k, (b[k] ?? 0) - (a[k] ?? 0)]).filter(([, v]) => (v as number) > 0));

/** scoreLabels compares a CPU pprof (cpu/nanoseconds at value 1) with the truth's growth over its window. */
export function scoreLabels(pprof: Uint8Array, before: LabelTruth, after: LabelTruth): LabelScore {
  const samples = readSamples(decodePprof(pprof));
  const cpu = (s: (typeof samples)[number]) => s.values[1] ?? 0;
  const totalNs = samples.reduce((a, s) => a + cpu(s), 0);
  const rows: LabelRow[] = [];
  const truthBy = { batch: shares(delta(before.byBatch, after.byBatch)), tenant: shares(delta(before.byTenant, after.byTenant)) };
  for (const [key, truth] of Object.entries(truthBy)) {
    const byValue: Record<string, number> = {};
    for (const s of samples) {
      const v = s.labels[key];
      if (v !== undefined && v !== "") byValue[v] = (byValue[v] ?? 0) + cpu(s);
    }
    const profile = shares(byValue);
    for (const value of Object.keys(truth).sort()) rows.push({ label: key, value, truth: truth[value]!, profile: profile[value] ?? 0 });
  }
  const agreement = (fn: string, want: string) => {
    const under = samples.filter((s) => s.frames.some((f) => f.name === fn));
    const all = under.reduce((a, s) => a + cpu(s), 0);
    return all > 0 ? under.filter((s) => s.labels.batch === want).reduce((a, s) => a + cpu(s), 0) / all : 0;
  };
  const none = samples.filter((s) => !s.labels.route || s.labels.route === NO_REQUEST_ROUTE).reduce((a, s) => a + cpu(s), 0);
  const fat = samples.filter((s) => s.labels.batch === "fat").reduce((a, s) => a + cpu(s), 0);
  const stackAgreement = { burnFat: agreement("burnFat", "fat"), burnThin: agreement("burnThin", "thin") };
  const failures = rows.filter((r) => Math.abs(r.profile - r.truth) * 100 > TOLERANCE_POINTS).map((r) => `${r.label}=${r.value}: profile ${(r.profile * 100).toFixed(1)}% vs truth ${(r.truth * 100).toFixed(1)}%`);
  for (const [fn, share] of Object.entries(stackAgreement)) if (share < 1 - TOLERANCE_POINTS / 100) failures.push(`${fn}: only ${(share * 100).toFixed(1)}% of its CPU carries its own batch label`);
  return {
    rows,
    stackAgreement,
    unattributed: totalNs > 0 ? none / totalNs : 0,
    fatOfTotal: totalNs > 0 ? fat / totalNs : 0,
    profileMs: totalNs / 1e6,
    samples: samples.length,
    requests: delta(before.requests, after.requests),
    failures,
  };
}

export function labelScoreTable(s: LabelScore): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const lines = [`label          truth   profile   off (points)`];
  for (const r of s.rows) lines.push(`${`${r.label}=${r.value}`.padEnd(14)} ${pct(r.truth).padStart(6)} ${pct(r.profile).padStart(9)} ${((r.profile - r.truth) * 100).toFixed(1).padStart(8)}`);
  lines.push(
    "",
    `burnFat's CPU labelled batch=fat: ${pct(s.stackAgreement.burnFat)}; burnThin's labelled thin: ${pct(s.stackAgreement.burnThin)}`,
    `route=${NO_REQUEST_ROUTE} (no request's segment: event loop, timers, Bun's native code): ${pct(s.unattributed)} of ${s.profileMs.toFixed(0)} ms; batch=fat of the whole profile: ${pct(s.fatOfTotal)}`,
    `requests in the window: ${Object.entries(s.requests).map(([k, v]) => `${k} ${v}`).join(", ")}; ${s.samples} pprof samples`,
    s.failures.length ? `FAIL (tolerance ${TOLERANCE_POINTS} points): ${s.failures.join("; ")}` : `pass: every share within ${TOLERANCE_POINTS} points`,
  );
  return lines.join("\n");
}

export interface LabelCalibrateOptions {
  rps: number;
  seconds: number;
  hz: number;
  pin: boolean;
  /** The server's --after-io: the burn runs after an awaited stat, in a continuation no mark covers. */
  afterIo?: boolean;
  say?: (line: string) => void;
}

export interface LabelCalibrateResult {
  score: LabelScore;
  pprof: Uint8Array;
  truthBefore: LabelTruth;
  truthAfter: LabelTruth;
  pinning: string;
  classBounds: typeof PROFILE_LABELS;
}

async function truthOf(s: RunningService): Promise<LabelTruth> {
  const url = /truth (http:\/\/[^\s;]+)/.exec(s.log())?.[1];
  if (!url) throw new Error(`labelled-cost server printed no truth URL:\n${s.log()}`);
  return (await (await fetch(url, { signal: AbortSignal.timeout(10_000) })).json()) as LabelTruth;
}

/** calibrateLabels runs the server under the mix, captures one CPU profile and scores its labels. */
export async function calibrateLabels(o: LabelCalibrateOptions): Promise<LabelCalibrateResult> {
  const pins = o.pin ? pinning(0, 1) : { server: [], load: [], note: "not pinned" };
  const server = await spawnService([], { prefix: pins.server, command: [process.execPath, LABELLED_COST_SERVER, "--unit-ms", String(LABEL_CALIBRATE_DEFAULTS.unitMs), ...(o.afterIo ? ["--after-io"] : [])], timeoutMs: 30_000 });
  const dir = mkdtempSync(join(tmpdir(), "enrich-label-calibrate-"));
  const corpus = join(dir, "mix.ndjson");
  writeFileSync(corpus, mixCorpus(LABEL_CALIBRATE_DEFAULTS.fatEvents));
  const unpin = pinSelfWhile(pins.load);
  const load = startLoad({ url: `${server.url}/enrich`, corpus, rps: o.rps, durationMs: (LABEL_CALIBRATE_DEFAULTS.warmupSeconds + o.seconds + 5) * 1000, warmupMs: 0 });
  try {
    await Bun.sleep(LABEL_CALIBRATE_DEFAULTS.warmupSeconds * 1000);
    o.say?.(`calibrate labels: ${o.seconds} s at ${o.rps} req/s (thin/a, thin/b, thin/a, fat/b)${o.afterIo ? ", burn after an awaited stat" : ""}, admin profile at ${o.hz} Hz`);
    const truthBefore = await truthOf(server);
    // Bounded, so a starved server fails the run (and is stopped below) instead of hanging it.
    const res = await fetch(`${server.adminUrl}/debug/pprof/profile?seconds=${o.seconds}&hz=${o.hz}`, { signal: AbortSignal.timeout((o.seconds + 20) * 1000) });
    if (!res.ok) throw new Error(`admin profile: ${res.status} ${await res.text()}`);
    const pprof = new Uint8Array(await res.arrayBuffer());
    const truthAfter = await truthOf(server);
    return { score: scoreLabels(pprof, truthBefore, truthAfter), pprof, truthBefore, truthAfter, pinning: pins.note, classBounds: PROFILE_LABELS };
  } finally {
    load.stop();
    await load.done.catch(() => {});
    unpin?.();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface LabelCoverage {
  variant: string;
  /** JS samples' CPU share by label set (route, batch): how much of the JS the requests' segments cover. */
  byLabels: Record<string, number>;
  /** JS CPU with route="(none)" over all JS CPU. */
  unattributed: number;
  /** The "(bun native …)" frame's share of the profile: on-CPU time with no JS sample, which no segment can cover. */
  nativeShare: number;
  profileMs: number;
  samples: number;
}

/**
 * labelCoverage: the real service (variant V, the default index) under a
 * 3 thin : 1 fat mix of the index's own corpora, one CPU profile, and the
 * share of its CPU each label set got. No truth here: what it measures is
 * how much of a real pipeline's CPU the segments cover (a variant that awaits
 * I/O per key runs most of its work in continuations no mark covers).
 */
export async function labelCoverage(o: LabelCalibrateOptions & { variant: string }): Promise<{ coverage: LabelCoverage; pprof: Uint8Array; pinning: string }> {
  const pins = o.pin ? pinning(0, 1) : { server: [], load: [], note: "not pinned" };
  const index = ensureDefaultIndex();
  const lines = (mix: string, n: number) => readFileSync(join(index, `${mix}.ndjson`), "utf8").split("\n").filter(Boolean).slice(0, n);
  const thin = lines("thin", 300), fat = lines("fat", 100);
  const dir = mkdtempSync(join(tmpdir(), "enrich-label-coverage-"));
  const corpus = join(dir, "mix.ndjson");
  writeFileSync(corpus, fat.map((f, i) => [thin[3 * i]!, thin[3 * i + 1]!, thin[3 * i + 2]!, f].join("\n")).join("\n") + "\n");
  const server = await spawnService(["--index", index, "--variant", o.variant], { prefix: pins.server, timeoutMs: 30_000 });
  const unpin = pinSelfWhile(pins.load);
  const load = startLoad({ url: `${server.url}/enrich`, corpus, rps: o.rps, durationMs: (LABEL_CALIBRATE_DEFAULTS.warmupSeconds + o.seconds + 5) * 1000, warmupMs: 0 });
  try {
    await Bun.sleep(LABEL_CALIBRATE_DEFAULTS.warmupSeconds * 1000);
    o.say?.(`label coverage: ${o.variant}, ${o.seconds} s at ${o.rps} req/s (3 thin : 1 fat from ${index}), admin profile at ${o.hz} Hz`);
    // Bounded, so a starved server fails the run (and is stopped below) instead of hanging it.
    const res = await fetch(`${server.adminUrl}/debug/pprof/profile?seconds=${o.seconds}&hz=${o.hz}`, { signal: AbortSignal.timeout((o.seconds + 20) * 1000) });
    if (!res.ok) throw new Error(`admin profile: ${res.status} ${await res.text()}`);
    const pprof = new Uint8Array(await res.arrayBuffer());
    const samples = readSamples(decodePprof(pprof));
    const totalNs = samples.reduce((a, s) => a + (s.values[1] ?? 0), 0);
    const js = samples.filter((s) => s.frames[0]?.name !== OUTSIDE_JS.name);
    const jsNs = js.reduce((a, s) => a + (s.values[1] ?? 0), 0);
    const by: Record<string, number> = {};
    for (const s of js) {
      const k = `${s.labels.route || NO_REQUEST_ROUTE}${s.labels.batch ? ` batch=${s.labels.batch}` : ""}`;
      by[k] = (by[k] ?? 0) + (s.values[1] ?? 0) / (jsNs || 1);
    }
    const coverage = { variant: o.variant, byLabels: by, unattributed: by[NO_REQUEST_ROUTE] ?? 0, nativeShare: totalNs > 0 ? 1 - jsNs / totalNs : 0, profileMs: totalNs / 1e6, samples: samples.length };
    return { coverage, pprof, pinning: pins.note };
  } finally {
    load.stop();
    await load.done.catch(() => {});
    unpin?.();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function coverageTable(c: LabelCoverage): string {
  const rows = Object.entries(c.byLabels).sort((a, b) => b[1] - a[1]);
  return [
    `${c.variant}: JS CPU share by label set (${c.profileMs.toFixed(0)} ms in ${c.samples} pprof samples; ${(c.nativeShare * 100).toFixed(1)}% of it in the "(bun native …)" frame, which no request's segment covers, left out)`,
    ...rows.map(([k, v]) => `  ${(v * 100).toFixed(1).padStart(5)}%  route=${k}`),
  ].join("\n");
}
