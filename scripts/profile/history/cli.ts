/**
 * `bun scripts/profile.ts history DIR ...`: a time range (or a version) of a
 * continuous-profile directory as one profile, for top/list/peek/report and
 * go tool pprof; or two of them compared.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { cli, fail } from "../../../src/cli/args.ts";
import { formatDuration } from "../../../src/cli/duration.ts";
import { KINDS, type Kind, stamp } from "../../../src/admin/continuous/files.ts";
import { diffRows, diffText } from "../diff.ts";
import { decodePprof, flatten } from "../../../src/admin/pprof.ts";
import { total } from "../pprof.ts";
import { topTable } from "../top.ts";
import { mergeCaptures } from "./merge.ts";
import { atRange, type Capture, type Filter, listCaptures, parseRange, parseTime, type Range, select } from "./select.ts";

const USAGE = `Usage: bun scripts/profile.ts history DIR (--at T | --from T --to T) [--kind cpu|heap|block] [--commit C] [--variant V] [--host H] [--out FILE]
       bun scripts/profile.ts history DIR --from T --to T --diff-range T..T   (that range against the first)
       bun scripts/profile.ts history DIR [--from T --to T] --commit A --diff-commit B   (version B against A)

Merges the captures of a continuous-profile directory (bun run serve
--continuous-profile DIR) that started in a time range into one pprof file,
prints its top functions and the file's path last: read it with top, list,
peek, report or go tool pprof. Times are UTC: HH:MM[:SS] (the latest such
time at or before the newest capture), ISO-8601, or epoch ms. CPU and block
captures are summed, heap captures averaged. With --diff-range or
--diff-commit, writes both merged profiles and prints what changed, as shares
of each profile's total.`;

const SPECS = {
  at: { kind: "string", help: "captures that started within --span from this time" },
  span: { kind: "duration", help: "with --at: how long a stretch", default: "1m" },
  from: { kind: "string", help: "captures that started at or after this time" },
  to: { kind: "string", help: "...and before this time" },
  kind: { kind: "string", help: "which profile", choices: KINDS, default: "cpu" },
  commit: { kind: "string", help: "only captures of this commit (a prefix is enough)" },
  variant: { kind: "string", help: "only captures of this variant" },
  host: { kind: "string", help: "only captures from this host" },
  "diff-range": { kind: "string", help: "compare the captures of FROM..TO (B) against the first range (A)" },
  "diff-commit": { kind: "string", help: "compare this commit's captures (B) against --commit's (A)" },
  out: { kind: "string", help: "merged profile path (default DIR/history/<kind>-<from>-<to>.pb.gz); with a diff, B's gets -b" },
  n: { kind: "number", help: "rows", default: 15, short: "n" },
} as const;

const say = (s: string) => process.stdout.write(s.endsWith("\n") ? s : `${s}\n`);

export async function runHistoryCli(argv: string[]): Promise<number> {
  const f = cli(argv, USAGE, SPECS, { positionals: true });
  const dirArg = f._[0] ?? fail("history: DIR is required (a --continuous-profile directory)");
  if (f._.length > 1) fail(`history: unexpected argument '${f._[1]}'`);
  const dir = resolve(dirArg);
  const all = listCaptures(dir);
  if (all.length === 0) fail(`history: no captures in ${dirArg} (expected files like 20261201T031400Z_cpu_v0_<commit>_<host>_w0.pb.gz)`, 1);
  const ref = all[all.length - 1]!.startMs;
  const kind = f.kind as Kind;
  if (f["diff-range"] && f["diff-commit"]) fail("history: give --diff-range or --diff-commit, not both");
  if (f["diff-commit"] && !f.commit) fail("history: --diff-commit B needs --commit A (the base)");
  if (f.at && (f.from || f.to)) fail("history: give --at or --from/--to, not both");
  if (!f.at && !!f.from !== !!f.to) fail("history: --from and --to go together");
  if (f["diff-range"] && !f.at && !f.from) fail("history: --diff-range needs the first range (--at or --from/--to)");

  let range: Range | undefined;
  let rangeB: Range | undefined;
  try {
    if (f.at) range = atRange(f.at, ref, f.span);
    else if (f.from && f.to) range = parseRange(`${f.from}..${f.to}`, ref);
    if (f["diff-range"]) rangeB = parseRange(f["diff-range"], ref);
  } catch (e) {
    fail(`history: ${(e as Error).message}`);
  }
  const base: Filter = { kind, commit: f.commit, variant: f.variant, host: f.host };
  const a = select(all, base, range);
  const b = rangeB ? select(all, base, rangeB) : f["diff-commit"] ? select(all, { ...base, commit: f["diff-commit"] }, range) : null;
  const what = (r: Range | undefined, filter: Filter) =>
    `${kind} captures${r ? ` started ${iso(r.fromMs)} .. ${iso(r.toMs)}` : ""}${filter.commit ? ` of commit ${filter.commit}` : ""}${filter.variant ? ` of variant ${filter.variant}` : ""}${filter.host ? ` from ${filter.host}` : ""}`;
  if (a.length === 0) fail(`history: no ${what(range, base)} in ${dirArg}; it holds ${all.length} capture(s) from ${iso(all[0]!.startMs)} to ${iso(ref)}`, 1);
  if (b && b.length === 0) fail(`history: no ${what(rangeB ?? range, { ...base, commit: f["diff-commit"] ?? f.commit })} in ${dirArg}`, 1);

  const outA = resolve(f.out ?? join(dir, "history", `${kind}-${stamp(a[0]!.startMs)}-${stamp(a[a.length - 1]!.startMs)}${f.commit ? `-${f.commit}` : ""}.pb.gz`));
  const pa = await write(a, kind, outA, what(range, base));
  say(`A: ${a.length} ${what(range, base)} (${describe(a)})`);
  if (!b) {
    const p = flatten(decodePprof(pa));
    say(topTable(p, p.defaultIndex, { n: f.n }));
    say(outA);
    return 0;
  }
  const bFilter = { ...base, commit: f["diff-commit"] ?? f.commit };
  const outB = outA.replace(/\.pb\.gz$/, "-b.pb.gz");
  const pb = await write(b, kind, outB, what(rangeB ?? range, bFilter));
  say(`B: ${b.length} ${what(rangeB ?? range, bFilter)} (${describe(b)})`);
  const fa = flatten(decodePprof(pa)), fb = flatten(decodePprof(pb));
  const i = fa.defaultIndex;
  say(diffText(diffRows(fa, 1 / (total(fa, i) || 1), fb, 1 / (total(fb, i) || 1), i), "share", f.n));
  say(outA);
  say(outB);
  return 0;
}

async function write(caps: Capture[], kind: Kind, out: string, note: string): Promise<Uint8Array> {
  const m = await mergeCaptures(caps, kind, note);
  mkdirSync(resolve(out, ".."), { recursive: true });
  writeFileSync(out, m.bytes);
  return m.bytes;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");

function describe(caps: Capture[]): string {
  const uniq = (f: (c: Capture) => string) => [...new Set(caps.map(f))].join(",");
  const spanMs = caps[caps.length - 1]!.startMs - caps[0]!.startMs;
  return `from ${iso(caps[0]!.startMs)} over ${formatDuration(spanMs)}; commit ${uniq((c) => c.commit)}; variant ${uniq((c) => c.variant)}; host ${uniq((c) => c.host)}; workers ${uniq((c) => String(c.worker))}`;
}
