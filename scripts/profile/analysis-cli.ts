/**
 * The analysis commands over bundles: top, list, peek, diff (go tool pprof
 * when Go is installed, the built-in views on pprof-format otherwise or with
 * --builtin), doctor and report. A BUNDLE argument is a bundle directory (the
 * profile is picked with --profile) or a .pprof file.
 */
import { existsSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { cli, fail } from "../../src/cli/args.ts";
import { BUNDLE } from "./bundle.ts";
import { diffRows, diffText, perRequest, writeDiffReport } from "./diff.ts";
import { diagnose, doctorText } from "./doctor.ts";
import { goAvailable, goPprof } from "./go-pprof.ts";
import { listText, peekText } from "./list-peek.ts";
import { readProfile, sampleIndex } from "./pprof.ts";
import { loadBundle, writeReport } from "./report.ts";
import { topTable } from "./top.ts";

export const ANALYSIS_COMMANDS = ["top", "list", "peek", "diff", "doctor", "report"] as const;

const PROFILE = { kind: "string", help: "which profile of a bundle", choices: ["cpu", "heap", "block", "mutex"], default: "cpu" } as const;
const BUILTIN = { kind: "boolean", help: "use the built-in view even when `go tool pprof` is installed" } as const;
const SAMPLE = { kind: "string", help: "sample type (e.g. samples, cpu, delay, contentions); default: the profile's" } as const;

/** The pprof file for a bundle directory or a file path. */
export function profilePath(arg: string, profile: string): string {
  const p = resolve(arg);
  if (!existsSync(p)) fail(`no such bundle or file: ${arg}`, 1);
  if (statSync(p).isDirectory()) {
    const f = join(p, `${profile}.pprof`);
    if (!existsSync(f)) fail(`${arg} has no ${profile}.pprof (see its meta.json "files" for why)`, 1);
    return f;
  }
  return p;
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
      const f = cli(argv, "Usage: bun scripts/profile.ts top BUNDLE|FILE [--profile cpu|heap|block|mutex] [-n N] [--cum] [--focus RE]", {
        profile: PROFILE, n: { kind: "number", help: "rows", default: 20, short: "n" }, cum: { kind: "boolean", help: "sort by cumulative" }, focus: { kind: "string", help: "only functions matching RE" }, sample: SAMPLE, builtin: BUILTIN,
      }, { positionals: true });
      const file = profilePath(f._[0] ?? fail("top: BUNDLE is required"), f.profile);
      if (!f.builtin && goAvailable()) {
        return goPprof(["-top", `-nodecount=${f.n}`, ...(f.cum ? ["-cum"] : []), ...(f.focus ? [`-focus=${f.focus}`] : []), ...(f.sample ? [`-sample_index=${f.sample}`] : []), file]);
      }
      const p = await readProfile(file);
      out(topTable(p, sampleIndex(p, f.sample), { n: f.n, by: f.cum ? "cum" : "flat", focus: f.focus ? regex(f.focus, "--focus") : undefined }));
      return 0;
    }
    case "list":
    case "peek": {
      const f = cli(argv, `Usage: bun scripts/profile.ts ${cmd} BUNDLE|FILE REGEX [--profile cpu|heap|block|mutex]`, { profile: PROFILE, sample: SAMPLE, builtin: BUILTIN }, { positionals: true });
      const file = profilePath(f._[0] ?? fail(`${cmd}: BUNDLE is required`), f.profile);
      const re = regex(f._[1], cmd);
      if (!f.builtin && goAvailable()) return goPprof([`-${cmd}=${re.source}`, ...(f.sample ? [`-sample_index=${f.sample}`] : []), file]);
      const p = await readProfile(file);
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
        await goPprof(["-top", `-nodecount=${f.n}`, ...(f.cum ? ["-cum"] : []), `-base=${fa}`, fb]);
      }
      const A = isDir(a) ? await loadBundle(resolve(a)) : null;
      const B = isDir(b) ? await loadBundle(resolve(b)) : null;
      const pa = await readProfile(fa), pb = await readProfile(fb);
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
    case "report": {
      const f = cli(argv, "Usage: bun scripts/profile.ts report BUNDLE\n\nRewrites the bundle's report.html (e.g. after the report code changed).", {}, { positionals: true });
      const dir = resolve(f._[0] ?? fail("report: BUNDLE is required"));
      out(await writeReport(dir));
      return 0;
    }
  }
  fail(`unknown command '${cmd}'`);
}
