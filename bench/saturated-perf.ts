/**
 * Usage: bun bench/saturated-perf.ts --variant V[,V…] [--against echo] [--layers pipeline,app] [--mix thin] [--seconds 10] [--audit local] [--out DIR]
 *
 * Where a saturated request's CPU goes, side by side with the ceiling: each
 * side (every --variant, then the Elysia echo) is started pinned to CPU 0
 * with the JSC jitdump on, driven closed-loop by wrk pinned to CPU 1
 * (`-t1 -c32`, the capacity bench's load), and its JS thread is recorded by
 * perf for `--seconds` in the middle of the run. The thread's on-CPU time is
 * then split per answered request: kernel and Bun native code reached from
 * the event loop (no JS on the stack: the HTTP server, epoll, the socket
 * writes), native code that JS called (JSON, TextDecoder, Response, timers,
 * promises …), and JS itself; plus which JS functions call the most native
 * time. "Above the echo" is the part that is ours to remove, whatever the
 * layer. Requests per second come from wrk over its whole run; the perf
 * window is the middle of it, so per-request figures assume a steady rate.
 * `--layers pipeline,app` adds the service taken apart (bench/servers/layers.ts,
 * with the first --variant), so each layer's share of the distance to the
 * echo shows in the same run.
 * Each side must first answer the corpus's first bodies exactly as v0 does
 * (the echo: with their events). Writes DIR/<side>.perf.pprof and
 * DIR/meta.json.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cli, fail } from "../src/cli/args.ts";
import { PROJECT_ROOT } from "../src/root.ts";
import { ensureDefaultIndex } from "../src/service/default-index.ts";
import { decodePprof, readSamples } from "../src/admin/pprof.ts";
import { collectMeta, pinning } from "../scripts/lib/meta.ts";
import { spawnService } from "../scripts/lib/spawn-service.ts";
import { startRedis } from "../scripts/lib/redis-server.ts";
import { getVariant } from "../src/enrich/registry.ts";
import { writesAudit } from "../src/enrich/variant.ts";
import { jitDumpEnv, perfUsable, recordPerf } from "../scripts/profile/perf/record.ts";
import { frameKind } from "../scripts/profile/perf/symbolize.ts";
import { checkAnswers, probeBodies, v0Answers } from "./capacity/answers.ts";
import { parseWrk, wrkCommand } from "./wrk/run.ts";
import { type Layer, LAYERS_NOTE, indexImplOf, layerCommand, layerSide, parseLayers } from "./capacity/layers.ts";

const args = cli(process.argv.slice(2), "Usage: bun bench/saturated-perf.ts --variant V[,V…] [options]\n\nThe JS thread's CPU per saturated request, by layer, from perf_events, against the echo.", {
  variant: { kind: "string", help: "service variant(s), comma-separated", default: "v11-plain-tag-lists" },
  against: { kind: "string", help: "the ceiling measured the same way ('none' to skip)", default: "echo", choices: ["echo", "none"] },
  mix: { kind: "string", help: "request corpus", default: "thin", choices: ["thin", "default", "fat"] },
  index: { kind: "string", help: "index directory (default: data/default)" },
  seconds: { kind: "number", help: "perf window per side", default: 10 },
  warmup: { kind: "duration", help: "discarded wrk run before measuring", default: "3s" },
  connections: { kind: "number", help: "wrk connections", default: 32 },
  "server-args": { kind: "string", help: "more flags for every service (the default loosens admission control, as the capacity runs do)", default: "--max-inflight 64 --max-inflight-events 1000000 --loop-stall 0" },
  top: { kind: "number", help: "JS callers of native code to list per side", default: 8 },
  out: { kind: "string", help: "directory for the perf profiles and meta.json" },
  audit: { kind: "string", help: "'local': a redis-server started for the run, pinned with the load, and --audit for the variants that write the audit log", choices: ["local"] },
  layers: { kind: "string", help: "also the service taken apart (bench/servers/layers.ts), with the first --variant: pipeline, app (comma-separated)", default: "" },
});

if (!Bun.which("wrk")) fail("wrk is not installed (apt-get install -y wrk)");
const perf = await perfUsable();
if (!perf.ok) fail(`perf is not usable here: ${perf.why}`);
const index = args.index ?? ensureDefaultIndex();
const corpus = join(index, `${args.mix}.ndjson`);
const pin = pinning();
// Taken before the runs, so its hostCpu spans them.
const meta = collectMeta();
const out = args.out ?? join(PROJECT_ROOT, "profiles/saturated-perf", `${new Date().toISOString().replace(/[-:]|\.\d+/g, "")}-${args.mix}`);
mkdirSync(out, { recursive: true });
const variants = args.variant.split(",").map((v) => v.trim()).filter(Boolean);
if (variants.length === 0) fail("--variant needs at least one variant name", 2);
let layers: Layer[] = [];
try {
  layers = parseLayers(args.layers);
} catch (e) {
  fail((e as Error).message, 2);
}
const serverArgs = args["server-args"].split(/\s+/).filter(Boolean);
const layerOf = new Map(layers.map((l) => [layerSide(l), l]));
const names = [...variants, ...layerOf.keys(), ...(args.against === "echo" ? ["echo"] : [])];

const redis = args.audit === "local" ? await startRedis({ prefix: pin.load }) : null;
const auditFor = (name: string) => (redis && name !== "echo" && !layerOf.has(name) && writesAudit(getVariant(name)) ? ["--audit", `${redis.url}/saturated:${name}`] : []);

const bodies = probeBodies(readFileSync(corpus, "utf8"));
const reference = await v0Answers(index, bodies);

/** One wrk run (async: perf records meanwhile); every answer must be 2xx. */
async function wrk(seconds: number, url: string): Promise<{ rps: number; text: string }> {
  const p = Bun.spawn(wrkCommand({ prefix: pin.load, connections: args.connections, seconds, url, corpus }), { cwd: PROJECT_ROOT, stdout: "pipe", stderr: "pipe" });
  const [text, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  const out = parseWrk(text);
  if (code !== 0 || !out) throw new Error(`wrk failed: ${err || text}`);
  if (out.non2xx) throw new Error(`${url} answered ${out.non2xx} requests with errors: not a saturated profile of the service\n${text}`);
  return { rps: out.rps, text };
}

type Split = Record<"kernelFromLoop" | "bunFromLoop" | "kernelUnderJs" | "nativeUnderJs" | "js" | "unknown", number>;
const LABELS: Record<keyof Split, string> = {
  kernelFromLoop: "kernel, from the event loop (no JS on the stack)",
  bunFromLoop: "Bun native, from the event loop",
  kernelUnderJs: "kernel, called from JS",
  nativeUnderJs: "native code called from JS (Bun, JSC, libc)",
  js: "JS (and JSC's JIT stubs)",
  unknown: "unattributed (broken frame chain)",
};

/** Splits a perf.pprof's CPU by the kind of its leaf frame and whether any JS frame is below it. */
function split(pprof: Uint8Array, requests: number) {
  const s: Split = { kernelFromLoop: 0, bunFromLoop: 0, kernelUnderJs: 0, nativeUnderJs: 0, js: 0, unknown: 0 };
  const callers = new Map<string, number>();
  let total = 0;
  for (const sample of readSamples(decodePprof(pprof))) {
    const ns = sample.values[sample.values.length - 1]!;
    total += ns;
    const kinds = sample.frames.map(frameKind);
    const leaf = kinds[0];
    const jsBelow = kinds.findIndex((k, i) => i > 0 && k === "js");
    if (leaf === "js" || leaf === "jsc") s.js += ns;
    else if (leaf === "unknown") s.unknown += ns;
    else if (jsBelow < 0) s[leaf === "kernel" ? "kernelFromLoop" : "bunFromLoop"] += ns;
    else {
      s[leaf === "kernel" ? "kernelUnderJs" : "nativeUnderJs"] += ns;
      if (leaf !== "kernel") {
        const caller = sample.frames[jsBelow]!.name;
        callers.set(caller, (callers.get(caller) ?? 0) + ns);
      }
    }
  }
  const us = (ns: number) => Math.round((ns / 1e3 / requests) * 100) / 100;
  return {
    totalUs: us(total),
    splitUs: Object.fromEntries(Object.entries(s).map(([k, v]) => [k, us(v)])) as Split,
    nativeCallersUs: [...callers].sort((a, b) => b[1] - a[1]).slice(0, args.top).map(([fn, ns]) => ({ fn, us: us(ns) })),
  };
}

const results: { side: string; rps: number; windowRequests: number; perfTotalMs: number; schedstatMs: number | null; pprof: string; totalUs: number; splitUs: Split; nativeCallersUs: { fn: string; us: number }[] }[] = [];
for (const name of names) {
  const jit = mkdtempSync(join(tmpdir(), "enrich-saturated-jit-"));
  const s = await spawnService(name === "echo" ? [] : ["--index", index, "--variant", name, ...auditFor(name), ...serverArgs], {
    prefix: pin.server,
    command: name === "echo" ? [process.execPath, join(PROJECT_ROOT, "bench/servers/echo.ts"), "--port", "0"] : layerOf.has(name) ? layerCommand(layerOf.get(name)!, variants[0]!, index, indexImplOf(serverArgs)) : undefined,
    env: jitDumpEnv(jit),
  });
  try {
    await checkAnswers(s.url, name, bodies.map((body, i) => ({ body, expect: name === "echo" ? ("echo" as const) : { bytes: reference[i]! } })));
    process.stderr.write(`saturated-perf: ${name}: warm-up ${args.warmup / 1000} s, then wrk ${args.seconds + 4} s with perf for ${args.seconds} s in its middle\n`);
    await wrk(Math.max(1, Math.round(args.warmup / 1000)), s.url);
    const load = wrk(args.seconds + 4, s.url);
    const rec = Bun.sleep(2000).then(() => recordPerf({ pid: s.proc.pid, jitdumpDir: jit, seconds: args.seconds }));
    const [w, r] = await Promise.all([load, rec]);
    const file = join(out, `${name}.perf.pprof`);
    writeFileSync(file, r.bytes);
    const requests = w.rps * args.seconds;
    const row = { side: name, rps: Math.round(w.rps), windowRequests: Math.round(requests), perfTotalMs: Math.round(r.stats.cpuNs / 1e6), schedstatMs: r.schedstatNs === null ? null : Math.round(r.schedstatNs / 1e6), pprof: file, ...split(r.bytes, requests) };
    results.push(row);
    process.stderr.write(`saturated-perf: ${name}: ${row.rps} req/s, ${row.totalUs} µs of JS-thread CPU per request\n`);
  } finally {
    await s.stop();
    rmSync(jit, { recursive: true, force: true });
  }
}

await redis?.stop();

const echo = results.find((r) => r.side === "echo");
const pad = (x: string, n: number) => x.padStart(n);
const header = ["", ...results.map((r) => r.side), ...(echo ? results.filter((r) => r !== echo).map((r) => `${r.side} − echo`) : [])];
const width = Math.max(...header.map((h) => h.length), 9);
const lines: string[] = [];
lines.push(`µs of the JS thread's on-CPU time per answered request (perf_events; ${args.mix}, wrk -c${args.connections}, ${pin.note})`);
lines.push(["".padEnd(52), ...header.slice(1).map((h) => pad(h, width))].join(" "));
const row = (label: string, f: (r: (typeof results)[number]) => number, digits = 2) => lines.push([label.padEnd(52), ...results.map((r) => pad(f(r).toFixed(digits), width)), ...(echo ? results.filter((r) => r !== echo).map((r) => pad((f(r) - f(echo)).toFixed(digits), width)) : [])].join(" "));
row("requests/s (wrk)", (r) => r.rps, 0);
row("total", (r) => r.totalUs);
for (const k of Object.keys(LABELS) as (keyof Split)[]) row(`  ${LABELS[k]}`, (r) => r.splitUs[k]);
for (const r of results) lines.push(`${r.side}: native code called from JS, by the JS function that called it: ${r.nativeCallersUs.map((c) => `${c.fn} ${c.us.toFixed(2)}`).join(", ")}`);
console.log(lines.join("\n"));
writeFileSync(join(out, "summary.txt"), `${lines.join("\n")}\n`);
writeFileSync(join(out, "meta.json"), `${JSON.stringify({ what: "JS-thread on-CPU time per saturated request by layer (perf_events), each side alone, closed-loop wrk", mix: args.mix, index, connections: args.connections, perfSeconds: args.seconds, pinning: pin.note, serverArgs: args["server-args"], layers: layers.length ? { of: variants[0], what: LAYERS_NOTE } : null, audit: redis ? "redis-server started for the run, pinned with the load, no persistence, on loopback; --audit for the variants that write it" : null, sides: results, meta }, null, 2)}\n`);
console.log(`wrote ${out}/meta.json, summary.txt and one perf.pprof per side`);
