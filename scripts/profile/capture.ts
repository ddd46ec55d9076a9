/**
 * One measurement run: start (or target) the service, drive open-model load,
 * wait for steady state, capture every profile inside the same window, and
 * write the bundle docs/contract.md fixes (meta.json always). The CLI in
 * scripts/profile.ts is a thin shell over `capture`; each step is a function
 * here or in capture-inputs.ts, capture-window.ts, capture-files.ts and
 * capture-meta.ts.
 *
 * Timeline (ms on this process's clock):
 *
 *   load warmup ─ settle: until `checkWindows` one-second windows hold ─
 *   arm: first /metrics scrape, block/mutex rates on (the sampler starts) ─
 *   ws ─ capture window W: cpu, block, mutex (delta over W), trace (the last T),
 *        goroutine (mid), server CPU each second, GC log ─ we: load snapshot,
 *        /metrics ─ heap (after we, still under load) ─ stop load, stop server
 */
import { statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { collectMeta, pinning, pinSelf, waitQuiet } from "../lib/meta.ts";
import { ensureDefaultIndex } from "../../src/service/default-index.ts";
import { PROJECT_ROOT } from "../../src/root.ts";
import { adminGet } from "./admin-client.ts";
import { BUNDLE, type CaptureOptions, type Meta } from "./bundle.ts";
import { type Bundle, openBundle, writeGc, writeLoad, writeProfiles } from "./capture-files.ts";
import { captureInputs } from "./capture-inputs.ts";
import { buildMeta, heldReasons } from "./capture-meta.ts";
import { afterWindow, captureWindow, loadToSteady, type Say, type Target } from "./capture-window.ts";
import { diagnose } from "./doctor.ts";
import { type CapturePerf, capturePerf } from "./perf/capture-perf.ts";
import { writeReport } from "./report.ts";
import { startServer, type RunningServer } from "./server.ts";
import { answeredCount, windowResult } from "./window.ts";

export type { Say };

export interface CaptureResult {
  dir: string;
  meta: Meta;
}

/** Runs one capture and writes its bundle; resolves with the bundle directory. */
export async function capture(o: CaptureOptions, say: Say = () => {}): Promise<CaptureResult> {
  const started = new Date();
  const base = collectMeta(o.argv ?? process.argv);
  const pins = o.pin ? pinning(o.serverCpu, o.loadCpu) : { server: [], load: [], note: "not pinned (--no-pin)" };
  const selfPinned = pins.load.length ? pinSelf(pins.load) : null;
  const quiet = o.waitQuietMs > 0 ? await waitQuiet(o.waitQuietMs, say) : null;
  const { indexDir, corpus } = captureInputs(o, ensureDefaultIndex);

  // perf.pprof needs the service started with the jitdump on (capture-perf.ts); decided before it starts.
  const perf = await capturePerf({ external: Boolean(o.url), off: o.perf === false });
  const serverEnv = { BUN_JSC_logGC: "1", ...perf.env, ...o.serverEnv };
  const { target, server } = await startTarget(o, indexDir, pins.server, serverEnv, say).catch((e) => {
    perf.close();
    throw e;
  });
  try {
    const variant = await reportedVariant(o, target.adminUrl, say);
    const indexImpl = await servingIndexImpl(target.url);
    const bundleName = `${stamp(started)}-${variant}-${o.mix}-${o.rps}`;
    const bundle = openBundle(resolve(o.out, o.name ?? bundleName), say);

    const { load, settle } = await loadToSteady(o, target.url, corpus, say);
    if (settle.failedToStart) throw settle.failedToStart;
    say(settle.held ? `steady: the last ${o.checkWindows} s held ${o.rps} rps` : `NOT STEADY: ${settle.reasons.join("; ")} — capturing anyway, the bundle is marked`);
    const w = await captureWindow(o, target, perf, load, say);
    const { heap, snapshot, full } = await afterWindow(o, target.adminUrl, load);
    const gcLines = server ? server.gc.slice() : [];

    const win = windowResult(w.snapA, w.snapB);
    const captured = { w, heap, snapshot, full, win, requests: answeredCount(win.counts) };
    await writeProfiles(bundle, o, captured, perf);
    writeLoad(bundle, captured);
    const { gc, promA, promB } = writeGc(bundle, captured, server, gcLines);

    const reasons = heldReasons(o, settle, { win, requests: captured.requests, maxGapMs: w.maxGapMs });
    const meta = buildMeta({ o, base, bundleName, pins, selfPinned, quiet, corpus, indexDir, target, server, serverEnv, variant, indexImpl, settle, captured, reasons, gc, promA, promB, perf, bundle });
    if (!meta.load.held) say(`LOAD NOT HELD: ${reasons.join("; ")}`);
    await finishBundle(bundle, meta);
    return { dir: bundle.dir, meta };
  } finally {
    if (server) await server.stop();
    perf.close();
  }
}

/** startTarget starts the service (or the purpose-made serverCmd), or names the running one (--url). */
async function startTarget(o: CaptureOptions, indexDir: string | null, pin: string[], env: Record<string, string>, say: Say): Promise<{ target: Target; server: RunningServer | null }> {
  if (o.url) {
    const target = { url: o.url.replace(/\/(enrich)?$/, ""), adminUrl: (o.adminUrl ?? "http://127.0.0.1:6060").replace(/\/$/, ""), pid: o.serverPid ?? null };
    return { target, server: null };
  }
  const cmd = o.serverCmd ?? [process.execPath, "src/server.ts", "--index", indexDir!, "--variant", o.variant, "--index-impl", o.indexImpl ?? "ts", "--port", "0", "--admin-port", "0", "--host", "127.0.0.1", ...(o.serverArgs ?? [])];
  say(`starting ${cmd.map((a) => a.replace(process.execPath, "bun")).join(" ")}${pin.length ? ` (${pin.join(" ")})` : ""}`);
  const server = await startServer({ cmd, cwd: o.serverCwd ?? PROJECT_ROOT, pin, env, readyTimeoutMs: 60_000 });
  return { target: { url: server.url, adminUrl: server.adminUrl, pid: server.proc.pid }, server };
}

/** A running service says which variant it runs (enrich_build_info); trust it over the flag. */
async function reportedVariant(o: CaptureOptions, adminUrl: string, say: Say): Promise<string> {
  if (!o.url) return o.variant;
  const info = /enrich_build_info\{[^}]*variant="([^"]+)"/.exec(new TextDecoder().decode((await adminGet(adminUrl, "/metrics", 5_000)).bytes));
  if (!info || info[1] === o.variant) return o.variant;
  say(`the service reports variant ${info[1]} (not ${o.variant}): recording ${info[1]}`);
  return info[1]!;
}

/** Which Index implementation serves: the service says so in /healthz (an older one does not: null). */
function servingIndexImpl(url: string): Promise<string | null> {
  return fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5_000) })
    .then(async (r) => ((await r.json()) as { indexImpl?: string }).indexImpl ?? null)
    .catch(() => null);
}

/** finishBundle writes meta.json, the doctor's verdict on the bundle, meta.json again with both listed, and the report. */
async function finishBundle(b: Bundle, meta: Meta): Promise<void> {
  writeFileSync(join(b.dir, BUNDLE.meta), JSON.stringify(meta, null, 2) + "\n");
  const verdict = await diagnose(b.dir);
  writeFileSync(join(b.dir, BUNDLE.doctor), JSON.stringify(verdict, null, 2) + "\n");
  meta.files[BUNDLE.doctor] = { ok: true, bytes: statSync(join(b.dir, BUNDLE.doctor)).size, source: "scripts/profile/doctor.ts" };
  meta.files[BUNDLE.meta] = { ok: true, bytes: 0, source: "this file" };
  meta.files[BUNDLE.report] = { ok: true, bytes: 0, source: "scripts/profile/report.ts" };
  writeFileSync(join(b.dir, BUNDLE.meta), JSON.stringify(meta, null, 2) + "\n");
  await writeReport(b.dir);
}

/** UTC timestamp for bundle names: 20261121T101500Z. */
export function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
}
