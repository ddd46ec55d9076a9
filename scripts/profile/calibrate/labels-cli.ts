/**
 * Usage: bun scripts/profile/calibrate/labels-cli.ts [--rps R] [--seconds S] [--hz H] [--after-io | --variant V] [--no-pin] [--json] [--out DIR]
 *
 * Scores the CPU profile's pprof labels (batch, tenant) against the
 * labelled-cost server's known costs (labels.ts); exit 0 when every share is
 * within the tolerance, 4 when one is not. --out keeps the profile as
 * DIR/cpu.pprof (try `go tool pprof -tags` and `-tagfocus=batch=fat` on it)
 * with the scores, truth and conditions in DIR/meta.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, fail } from "../../../src/cli/args.ts";
import { PROFILE_LABELS, LABEL_CALIBRATE_DEFAULTS } from "../../../src/config.ts";
import { collectMeta, pinSelf, pinning } from "../../lib/meta.ts";
import { variantNames } from "../../../src/enrich/registry.ts";
import { calibrateLabels, coverageTable, labelCoverage, labelScoreTable } from "./labels.ts";
import { TOLERANCE_POINTS } from "./score.ts";

const USAGE = `Usage: bun scripts/profile/calibrate/labels-cli.ts [--rps R] [--seconds S] [--hz H] [--after-io | --variant V] [--no-pin] [--json] [--out DIR]

Runs the labelled-cost server (scripts/profile/calibrate/labelled-cost-server.ts:
the real hot-path app with --profile-label-attr tenant, in front of a variant
that burns 1 unit for a thin batch and 4 for a fat one) under open-model load
cycling thin/a, thin/b, thin/a, fat/b; captures one admin CPU profile and
compares each label value's share of the labelled CPU with the server's own
account of the burn (the JS thread's CPU clock around each one). A share more
than ${TOLERANCE_POINTS} points off fails (exit 4). The server is pinned to CPU 0
and this process to CPU 1 where there are two.`;

const SPECS = {
  rps: { kind: "number", help: "offered requests/s", default: LABEL_CALIBRATE_DEFAULTS.rps },
  seconds: { kind: "number", help: "the profile's window", default: LABEL_CALIBRATE_DEFAULTS.seconds },
  hz: { kind: "number", help: "the profile's sampling rate", default: LABEL_CALIBRATE_DEFAULTS.hz },
  variant: { kind: "string", help: "instead: the real service with this variant under 3 thin : 1 fat (data/default's corpora); reports how much CPU the labels cover (no truth)" },
  "after-io": { kind: "boolean", help: "burn after an awaited fs stat: the continuation no mark covers (the known blind spot)" },
  "no-pin": { kind: "boolean", help: "leave the server and this process unpinned" },
  json: { kind: "boolean", help: "print the score as JSON" },
  out: { kind: "string", help: "keep the profile as DIR/cpu.pprof, with the score and conditions in DIR/meta.json" },
} as const;

const f = cli(process.argv.slice(2), USAGE, SPECS);
if (!(f.rps > 0)) fail(`--rps: expected a positive rate, got ${f.rps}`);
if (!(f.seconds >= 1 && f.seconds <= 60)) fail(`--seconds: expected 1 to 60, got ${f.seconds}`);
if (!(f.hz >= 10 && f.hz <= 1000)) fail(`--hz: expected 10 to 1000, got ${f.hz}`);
const pin = !f["no-pin"];
const pinnedSelf = pin && pinSelf(pinning(0, 1).load);
if (f.variant !== undefined) {
  if (!variantNames().includes(f.variant)) fail(`--variant: unknown variant '${f.variant}' (known: ${variantNames().join(", ")})`);
  const c = await labelCoverage({ variant: f.variant, rps: f.rps, seconds: f.seconds, hz: f.hz, pin, say: (l) => process.stderr.write(`${l}\n`) });
  if (f.out) {
    mkdirSync(f.out, { recursive: true });
    writeFileSync(join(f.out, "cpu.pprof"), c.pprof);
    writeFileSync(join(f.out, "meta.json"), `${JSON.stringify({ what: "pprof label coverage of a real variant (scripts/profile/calibrate/labels.ts labelCoverage)", variant: f.variant, rps: f.rps, seconds: f.seconds, hz: f.hz, pinning: c.pinning, loadPinned: pinnedSelf, classBounds: PROFILE_LABELS, coverage: c.coverage, meta: collectMeta() }, null, 2)}\n`);
  }
  process.stdout.write(f.json ? `${JSON.stringify(c.coverage, null, 2)}\n` : `${c.pinning}\n\n${coverageTable(c.coverage)}\n`);
  process.exit(0);
}
const r = await calibrateLabels({ rps: f.rps, seconds: f.seconds, hz: f.hz, pin, afterIo: f["after-io"], say: (l) => process.stderr.write(`${l}\n`) });
if (f.out) {
  mkdirSync(f.out, { recursive: true });
  writeFileSync(join(f.out, "cpu.pprof"), r.pprof);
  const meta = { what: "pprof label calibration (scripts/profile/calibrate/labels.ts)", afterIo: f["after-io"], rps: f.rps, seconds: f.seconds, hz: f.hz, pinning: r.pinning, loadPinned: pinnedSelf, tolerancePoints: TOLERANCE_POINTS, classBounds: r.classBounds, score: r.score, truthBefore: r.truthBefore, truthAfter: r.truthAfter, meta: collectMeta() };
  writeFileSync(join(f.out, "meta.json"), `${JSON.stringify(meta, null, 2)}\n`);
}
if (f.json) process.stdout.write(`${JSON.stringify(r.score, null, 2)}\n`);
else process.stdout.write(`${r.pinning}\n\n${labelScoreTable(r.score)}\n`);
process.exit(r.score.failures.length ? 4 : 0);
