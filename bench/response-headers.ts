/**
 * Usage: bun bench/response-headers.ts [--repeats 7] [--out DIR]
 *
 * What a `Response` costs to build, by how its headers are given: the
 * service answers every /enrich request with `new Response(text, { headers:
 * { "content-type": "application/json" } })` (src/http/app.ts), and Bun turns
 * that plain object into a Headers list per call. The rows: no headers (Bun's
 * default content type, text/plain: not the contract, the floor), the plain
 * object, one prebuilt `Headers`, and `Response.json`. The text is a thin
 * answer of the service's size. Each row is the median (min–max) of
 * `--repeats` timed loops; pin it (`taskset -c 0`). Every row's content type
 * is checked first. Writes DIR/meta.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli } from "../src/cli/args.ts";
import { collectMeta, summarize } from "../scripts/lib/meta.ts";

const args = cli(process.argv.slice(2), "Usage: bun bench/response-headers.ts [options]\n\nThe cost of building a Response, by how its headers are given.", {
  repeats: { kind: "number", help: "timed loops per row", default: 7 },
  loops: { kind: "number", help: "Responses built per timed loop", default: 200_000 },
  out: { kind: "string", help: "directory for meta.json", default: "profiles/response-headers" },
});

// A thin answer's size (the golden thin response is 299 bytes).
const text = JSON.stringify({ results: [{ key: "10564175481797713080", found: true, attrs: { city: "x", source: "android", locale: "de-CH" }, account: 3830989582, segment: 2096, country: "PT", tier: "gold", score: 0.3926, tags: ["mobile", "social", "email", "b2c"], since: "2025-12-03T20:38:38Z", name: "acct-1rcveha-bravo" }] });
const PLAIN = { "content-type": "application/json" };
const PREBUILT = new Headers(PLAIN);
const value = JSON.parse(text) as unknown;

// type: the content type the Response carries (null: none, and Bun sends text/plain for a string body).
const rows: { row: string; build: () => Response; type: string | null }[] = [
  { row: "no headers (text/plain)", build: () => new Response(text), type: null },
  { row: "plain object (as served)", build: () => new Response(text, { headers: PLAIN }), type: "application/json" },
  { row: "one prebuilt Headers", build: () => new Response(text, { headers: PREBUILT }), type: "application/json" },
  { row: "Response.json(value)", build: () => Response.json(value), type: "application/json;charset=utf-8" },
];
for (const r of rows) {
  const got = r.build().headers.get("content-type");
  if (got !== r.type) throw new Error(`${r.row}: content type ${got}, expected ${r.type}`);
}

const out: { row: string; nsPerResponse: ReturnType<typeof summarize>; contentType: string | null }[] = [];
for (const r of rows) {
  for (let i = 0; i < args.loops / 4; i++) r.build();
  const times: number[] = [];
  for (let k = 0; k < args.repeats; k++) {
    const t0 = Bun.nanoseconds();
    for (let i = 0; i < args.loops; i++) r.build();
    times.push((Bun.nanoseconds() - t0) / args.loops);
  }
  const ns = summarize(times);
  out.push({ row: r.row, nsPerResponse: ns, contentType: r.type });
  console.log(`${r.row.padEnd(28)} ${ns.median.toFixed(0).padStart(6)} ns (${ns.min.toFixed(0)}–${ns.max.toFixed(0)})  ${r.type ?? "(none)"}`);
}
mkdirSync(args.out, { recursive: true });
writeFileSync(join(args.out, "meta.json"), `${JSON.stringify({ what: "ns to build one Response of a thin answer's text, by how its headers are given", bytes: text.length, loops: args.loops, repeats: args.repeats, rows: out, meta: collectMeta() }, null, 2)}\n`);
console.log(`wrote ${join(args.out, "meta.json")}`);
