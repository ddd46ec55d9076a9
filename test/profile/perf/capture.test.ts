/**
 * perf.pprof in a bundle: a short capture of the real service writes it
 * beside cpu.pprof (where perf is usable, else records why), meta.json says
 * how it was made, the jitdump directory is gone afterwards, and report.html
 * shows both profiles side by side. Off (--url, --no-perf) it is a reason, not a file.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BUNDLE, type Meta } from "../../../scripts/profile/bundle.ts";
import { capture } from "../../../scripts/profile/capture.ts";
import { capturePerf } from "../../../scripts/profile/perf/capture-perf.ts";
import { perfUsable } from "../../../scripts/profile/perf/record.ts";
import { decodePprof, flatten } from "../../../src/admin/pprof.ts";
import { topRows } from "../../../scripts/profile/top.ts";
import { PERF_DEFAULTS } from "../../../src/config.ts";
import { scratch } from "../../support/fixtures.ts";
import { smallIndexWithCorpus, testCapture } from "../support.ts";

const usable = await perfUsable();
if (!usable.ok) console.warn(`capture.test.ts: perf not usable (${usable.why}): checking that the bundle says so instead of checking perf.pprof`);

describe("capturePerf when it is off", () => {
  test("--url and --no-perf give no environment and a reason instead of the file", async () => {
    const seen: Record<string, string> = {};
    for (const [k, o] of [["url", { external: true }], ["off", { external: false, off: true }]] as const) {
      const p = await capturePerf(o);
      p.arm(123);
      await p.start();
      await p.stop();
      await p.write(() => (seen[k] = "written"), (_name, why) => (seen[k] = why), BUNDLE.perf);
      p.close();
      expect(p.env).toEqual({});
      expect(p.sampling()).toBe(seen[k]!);
    }
    expect(seen).toEqual({ url: "perf not usable: the service was not started by this capture (--url), so it has no jitdump", off: "perf off (--no-perf)" });
  });
});

describe("a capture's perf.pprof", () => {
  let dir = "";
  let meta: Meta;

  beforeAll(async () => {
    // 4 s, not the 2 s of other captures: a 2 s window's ratio passed 10% once on a loaded machine (CI, 2026-12-02:
    // 12.3%, not reproduced alone). perf's window opens and closes over a FIFO, so a lag at either edge weighs half as much.
    ({ dir, meta } = await capture(testCapture({ rps: 150, out: scratch(), index: smallIndexWithCorpus(), durationMs: 4_000 })));
  }, 120_000);

  test.skipIf(!usable.ok)("is written, names the pipeline's JS functions, and its CPU matches the thread's schedstat", () => {
    const p = flatten(decodePprof(readFileSync(join(dir, BUNDLE.perf))));
    const names = new Set(topRows(p, p.defaultIndex, "cum").map((r) => r.name));
    const rec = meta.files[BUNDLE.perf]!;
    const m = /(\d+) ms on CPU; thread on-CPU by schedstat (\d+) ms/.exec(rec.source);
    expect({ ok: rec.ok, types: p.sampleTypes.map((t) => t.type), enrich: names.has("enrichBatchV0"), native: names.has("(bun native)"), source: Boolean(m) }).toEqual({ ok: true, types: ["samples", "cpu"], enrich: true, native: true, source: true });
    // 10%, plus two of perf's sample periods (its total moves in whole periods, and each window edge may lag by
    // one): at ~200 ms of thread CPU that is 4 ms more; CI failed once at 10.5% without it (2026-12-04).
    const [perfMs, schedMs] = [Number(m![1]), Number(m![2])];
    expect(Math.abs(perfMs - schedMs), `perf ${perfMs} ms against schedstat ${schedMs} ms`).toBeLessThanOrEqual(0.1 * schedMs + 2 * (1000 / PERF_DEFAULTS.hz));
    expect(meta.sampling.perf).toStartWith("Linux perf_events: perf record -e cpu-clock -F 499");
    expect(meta.service.env).toMatchObject({ BUN_JSC_useJITDump: "1" });
  });

  test.skipIf(usable.ok)("is recorded as missing with the reason perf is not usable", () => {
    expect(meta.files[BUNDLE.perf]).toMatchObject({ ok: false, error: `perf not usable: ${usable.why}` });
    expect(meta.sampling.perf).toBe(`perf not usable: ${usable.why}`);
  });

  test("the jitdump directory is removed afterwards", () => {
    const jd = meta.service.env?.BUN_JSC_jitDumpDirectory;
    expect(jd === undefined || !existsSync(jd)).toBe(true);
  });

  test.skipIf(!usable.ok)("report.html puts the JSC and perf profiles side by side and draws both flame graphs", () => {
    const html = readFileSync(join(dir, BUNDLE.report), "utf8");
    const section = html.slice(html.indexOf("<h2>JSC sampler vs perf</h2>"), html.indexOf("<h2>GC</h2>"));
    // The doctor's cross-check: both profiles by JS function, v0's pipeline among the rows.
    expect({ table: section.includes("<th>perf.pprof</th><th>cpu.pprof</th>"), enrich: /<code>(begin|enrichBatchV0|handle)<\/code>/.test(section), cpuTab: html.includes('data-tree="cpu"'), perfTab: html.includes('data-tree="perf"') }).toEqual({ table: true, enrich: true, cpuTab: true, perfTab: true });
  });
});
