/**
 * The analysis commands over bundles: top, list, peek, diff (go tool pprof
 * when Go is installed, the built-in views on pprof-format otherwise or with
 * --builtin), doctor, table, report and convert. A BUNDLE argument is a bundle
 * directory (the profile is picked with --profile), a directory Bun's
 * --cpu-prof-dir / --heap-prof-dir filled, or a profile file: pprof, a
 * .cpuprofile or a V8 heap snapshot, known by content (profile-file.ts).
 * `go tool pprof` reads only pprof, so it gets a converted copy of the others.
 */
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { cli, fail } from "../../src/cli/args.ts";
import { BUNDLE } from "./bundle.ts";
import { diffRows, diffText, perRequest, writeDiffReport } from "./diff.ts";
import { diagnose, doctorText } from "./doctor.ts";
import { goAvailable, goPprof } from "./go-pprof.ts";
import { toCpuProfile } from "./cpuprofile.ts";
import { listText, peekText } from "./list-peek.ts";
import { sampleIndex, total } from "./pprof.ts";
import { pprofFileFor, profileInDir, readAnyProfile, sniff, toFlat, toPprof } from "./profile-file.ts";
import { loadBundle, writeProfileReport, writeReport } from "./report.ts";
import { tableHeader, tableRow } from "./table.ts";
import { fmtValue, topTable } from "./top.ts";

export const ANALYSIS_COMMANDS = ["top", "list", "peek", "diff", "doctor", "table", "report", "convert"] as const;

const PROFILE = { kind: "string", help: "which profile of a bundle", choices: ["cpu", "perf", "heap", "block", "mutex"], default: "cpu" } as const;
const BUILTIN = { kind: "boolean", help: "use the built-in view even when `go tool pprof` is installed" } as const;
const SAMPLE = { kind: "string", help: "sample type (e.g. samples, cpu, delay, contentions); default: the profile's" } as const;

/** The profile file for a bundle directory (or a directory of Bun's profiles) or a file path. */
export function profilePath(arg: string, profile: string): string {
  const p = resolve(arg);
  if (!existsSync(p)) fail(`no such bundle or file: ${arg}`, 1);
  if (statSync(p).isDirectory()) {
    const r = profileInDir(p, profile);
    if ("error" in r) fail(r.error, 1);
    if (r.note) process.stderr.write(`profile: ${r.note}\n`);
    return r.path;
  }
  return p;
}

/** Runs `go tool pprof` with `args(paths)`, the files given as pprof (converted copies removed after). */
async function goOn(files: string[], args: (paths: string[]) => string[]): Promise<number> {
  const copies = await Promise.all(files.map(pprofFileFor));
  try {
    return await goPprof(args(copies.map((c) => c.path)));
  } finally {
    for (const c of copies) c.done();
  }
}

function regex(text: string | undefined, what: string): RegExp {
  if (!text) fail(`${what}: a regular expression naming functions is required`);
  try {
    return new RegExp(text);
  } catch (e) {
    fail(`${what}: bad regular expression: ${(e as Error).message}`);
  }
}

export async function runAnalysis(cmd: string, argv: string[]): Promise<number> {
  const out = (s: string) => process.stdout.write(s.endsWith("\n") ? s : s + "\n");
  switch (cmd) {
    case "top": {
      const f = cli(argv, "Usage: bun scripts/profile.ts top BUNDLE|FILE [--profile cpu|perf|heap|block|mutex] [-n N] [--cum] [--focus RE]", {
        profile: PROFILE, n: { kind: "number", help: "rows", default: 20, short: "n" }, cum: { kind: "boolean", help: "sort by cumulative" }, focus: { kind: "string", help: "only functions matching RE" }, sample: SAMPLE, builtin: BUILTIN,
      }, { positionals: true });
      const file = profilePath(f._[0] ?? fail("top: BUNDLE is required"), f.profile);
      if (!f.builtin && goAvailable()) {
        return goOn([file], ([g]) => ["-top", `-nodecount=${f.n}`, ...(f.cum ? ["-cum"] : []), ...(f.focus ? [`-focus=${f.focus}`] : []), ...(f.sample ? [`-sample_index=${f.sample}`] : []), g!]);
      }
      const p = await readAnyProfile(file);
      out(topTable(p, sampleIndex(p, f.sample), { n: f.n, by: f.cum ? "cum" : "flat", focus: f.focus ? regex(f.focus, "--focus") : undefined }));
      return 0;
    }
    case "list":
    case "peek": {
      const f = cli(argv, `Usage: bun scripts/profile.ts ${cmd} BUNDLE|FILE REGEX [--profile cpu|perf|heap|block|mutex]`, { profile: PROFILE, sample: SAMPLE, builtin: BUILTIN }, { positionals: true });
      const file = profilePath(f._[0] ?? fail(`${cmd}: BUNDLE is required`), f.profile);
      const re = regex(f._[1], cmd);
      if (!f.builtin && goAvailable()) return goOn([file], ([g]) => [`-${cmd}=${re.source}`, ...(f.sample ? [`-sample_index=${f.sample}`] : []), g!]);
      const p = await readAnyProfile(file);
      const i = sampleIndex(p, f.sample);
      out(cmd === "list" ? listText(p, i, re) : peekText(p, i, re));
      return 0;
    }
    case "diff": {
      const f = cli(argv, "Usage: bun scripts/profile.ts diff A B [--out FILE] [--profile cpu] [-n N] [--cum]\n\nB against base A: frames that grew or shrank per request, and a diff report (HTML) with both latency distributions and the GC and allocation changes.", {
        profile: PROFILE, out: { kind: "string", help: "diff report path (default: next to B, diff-<A>-vs-<B>.html)" }, n: { kind: "number", help: "rows", default: 20, short: "n" }, cum: { kind: "boolean", help: "sort by cumulative change" }, builtin: BUILTIN,
      }, { positionals: true });
      const [a, b] = f._;
      if (!a || !b) fail("diff: two bundles are required: diff A B");
      const fa = profilePath(a, f.profile), fb = profilePath(b, f.profile);
      const isDir = (x: string) => statSync(resolve(x)).isDirectory();
      if (!f.builtin && goAvailable()) {
        out(`go tool pprof -top -base ${fa} ${fb}   (raw values; the table below is per request)`);
        await goOn([fa, fb], ([ga, gb]) => ["-top", `-nodecount=${f.n}`, ...(f.cum ? ["-cum"] : []), `-base=${ga}`, gb!]);
      }
      const A = isDir(a) ? await loadBundle(resolve(a)) : null;
      const B = isDir(b) ? await loadBundle(resolve(b)) : null;
      const pa = await readAnyProfile(fa), pb = await readAnyProfile(fb);
      const i = pb.defaultIndex;
      const sa = A ? perRequest(A, pa, i) : { scale: 1, unit: pa.sampleTypes[i]!.unit };
      const sb = B ? perRequest(B, pb, i) : { scale: 1, unit: pb.sampleTypes[i]!.unit };
      out(diffText(diffRows(pa, sa.scale, pb, sb.scale, i), sa.unit === sb.unit ? sa.unit : "share", f.n, f.cum ? "cum" : "flat"));
      if (A && B) {
        const file = resolve(f.out ?? join(dirname(B.dir), `diff-${basename(A.dir)}-vs-${basename(B.dir)}.html`));
        writeDiffReport(A, B, file);
        out(`diff report: ${file}`);
      }
      return 0;
    }
    case "doctor": {
      const f = cli(argv, "Usage: bun scripts/profile.ts doctor BUNDLE [--json]\n\nClassifies the bundle's regime (CPU-bound, GC/alloc-bound, lock-bound, IO-bound, or none) and prints the evidence.", { json: { kind: "boolean", help: "print the diagnosis as JSON" } }, { positionals: true });
      const dir = resolve(f._[0] ?? fail("doctor: BUNDLE is required"));
      if (!existsSync(join(dir, BUNDLE.meta))) fail(`${dir} is not a bundle (no meta.json)`, 1);
      const d = await diagnose(dir);
      out(f.json ? JSON.stringify(d, null, 2) : doctorText(d, dir));
      return 0;
    }
    case "table": {
      const f = cli(argv, "Usage: bun scripts/profile.ts table BUNDLE... [-n N]\n\nOne markdown row per bundle: JS CPU per request, corrected p50/p99, the doctor's regime, the widest frames of the corrected CPU profile and of perf.pprof, lock wait and loop stalls. Bundles in the order given (a directory of bundles: each one in it, by name).", {
        n: { kind: "number", help: "frames per profile cell", default: 3, short: "n" },
      }, { positionals: true });
      if (!f._.length) fail("table: at least one BUNDLE is required");
      const dirs = f._.flatMap((a) => {
        const d = resolve(a);
        if (!existsSync(d) || !statSync(d).isDirectory()) fail(`table: no such bundle directory: ${a}`, 1);
        if (existsSync(join(d, BUNDLE.meta))) return [d];
        const inside = readdirSync(d).sort().map((x) => join(d, x)).filter((x) => existsSync(join(x, BUNDLE.meta)));
        if (!inside.length) fail(`table: ${a} is neither a bundle nor a directory of bundles`, 1);
        return inside;
      });
      out(tableHeader());
      for (const d of dirs) out(tableRow(await loadBundle(d), f.n));
      return 0;
    }
    case "report": {
      const f = cli(argv, "Usage: bun scripts/profile.ts report BUNDLE|FILE [--profile cpu|heap] [--out FILE]\n\nRewrites the bundle's report.html (e.g. after the report code changed). For a lone profile file (or a directory of Bun's profiles): a page with its flame graph and top table, FILE.html.", {
        profile: PROFILE, out: { kind: "string", help: "with a lone profile: the page's path (default: FILE.html)" },
      }, { positionals: true });
      const arg = f._[0] ?? fail("report: BUNDLE is required");
      const dir = resolve(arg);
      if (existsSync(join(dir, BUNDLE.meta))) {
        out(await writeReport(dir));
        return 0;
      }
      const file = profilePath(arg, f.profile);
      out(await writeProfileReport(file, resolve(f.out ?? `${file}.html`)));
      return 0;
    }
    case "convert": {
      const f = cli(argv, "Usage: bun scripts/profile.ts convert IN [--out OUT]\n\nA .cpuprofile (bun --cpu-prof) or a V8 heap snapshot (bun --heap-prof, /debug/pprof/heap) to gzipped pprof for go tool pprof; the heap as /debug/pprof/heap?format=pprof folds it. A pprof CPU profile to a .cpuprofile when OUT ends in .cpuprofile.", {
        out: { kind: "string", help: "output path (default: IN with .pb.gz for its extension)" },
      }, { positionals: true });
      const inPath = resolve(f._[0] ?? fail("convert: IN is required"));
      if (!existsSync(inPath) || statSync(inPath).isDirectory()) fail(`convert: no such file: ${f._[0]}`, 1);
      const s = sniff(await Bun.file(inPath).bytes(), inPath);
      const outPath = resolve(f.out ?? inPath.replace(/(\.[a-z]+)?$/i, ".pb.gz"));
      if (outPath === inPath) fail("convert: --out would overwrite IN", 2);
      if (outPath.endsWith(".cpuprofile")) {
        if (s.kind !== "pprof") fail(`convert: IN is a ${s.kind}; a .cpuprofile is made from a pprof CPU profile`, 2);
        const p = toFlat(s, inPath);
        writeFileSync(outPath, JSON.stringify(toCpuProfile(p, sampleIndex(p, "samples"))));
      } else {
        if (s.kind === "pprof") fail("convert: IN is pprof already (pass --out X.cpuprofile for a .cpuprofile)", 2);
        writeFileSync(outPath, toPprof(s));
      }
      const p = toFlat(sniff(await Bun.file(outPath).bytes(), outPath));
      const t = p.sampleTypes[p.defaultIndex]!;
      out(`${s.kind} → ${outPath.endsWith(".cpuprofile") ? "cpuprofile" : "pprof"}: ${p.samples.length} stacks, ${t.type} ${fmtValue(total(p, p.defaultIndex), t.unit)}\n${outPath}`);
      return 0;
    }
  }
  fail(`unknown command '${cmd}'`);
}
