/**
 * Usage: bun bench/stringify-paths.ts [--variant v11-plain-tag-lists] [--mix fat] [--repeats 7] [--out DIR]
 *
 * What sends JSC's JSON.stringify off its fast path, measured on the
 * service's own results: the corpus's first batches of `--mix` (data/default),
 * answered in process by `--variant`'s stages, then serialized as the
 * variant does (`{results}`), and again with one thing changed per row —
 * the tag lists frozen (v10 and earlier), or every non-Latin-1 attr value
 * replaced by '?' (one such string anywhere in the value sends the whole
 * call to the generic path). Each row is the median (min–max) of
 * `--repeats` timed loops, pinned to whatever core this runs on (use
 * `taskset -c 0`). Every row's text is checked against the variant's own
 * serialize first, except the Latin-1 row, which is a different text by
 * construction. Writes DIR/meta.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli } from "../src/cli/args.ts";
import { collectMeta, summarize } from "../scripts/lib/meta.ts";
import { DEFAULT_LIMITS } from "../src/config.ts";
import { getVariant } from "../src/enrich/registry.ts";
import { answerText, type EnrichContext, type EnrichRequest } from "../src/enrich/variant.ts";
import { ensureDefaultIndex } from "../src/service/default-index.ts";
import { openTsIndex } from "../src/index/ts-index.ts";

const args = cli(process.argv.slice(2), "Usage: bun bench/stringify-paths.ts [options]\n\nJSON.stringify of the service's results, and what takes it off its fast path.", {
  variant: { kind: "string", help: "whose stages answer the batches", default: "v11-plain-tag-lists" },
  mix: { kind: "string", help: "corpus of data/default", default: "fat", choices: ["thin", "default", "fat"] },
  batches: { kind: "number", help: "distinct batches, cycled", default: 8 },
  repeats: { kind: "number", help: "timed loops per row", default: 7 },
  out: { kind: "string", help: "directory for meta.json", default: "profiles/stringify-paths" },
});

const dir = ensureDefaultIndex();
const ctx: EnrichContext = { index: openTsIndex(dir), limits: DEFAULT_LIMITS };
const variant = getVariant(args.variant);
const stages = variant.stages;
const bodies = readFileSync(join(dir, `${args.mix}.ndjson`), "utf8").split("\n").filter(Boolean).slice(0, args.batches);
const reqs = bodies.map((b) => JSON.parse(b) as EnrichRequest);
const results = await Promise.all(reqs.map(async (r) => (await stages.enrichBatch(r, ctx)) as Record<string, unknown>[]));

const NOT_LATIN1 = /[^\u0000-\u00ff]/g;
// Without the g flag: test() keeps no lastIndex between calls.
const HAS_NOT_LATIN1 = /[^\u0000-\u00ff]/;
const mapped = (f: (r: Record<string, unknown>) => Record<string, unknown>) => results.map((rs) => rs.map(f));
const rows: Record<string, Record<string, unknown>[][]> = {
  "as served": results,
  "tag lists frozen (as v10)": mapped((r) => (Array.isArray(r.tags) ? { ...r, tags: Object.freeze([...r.tags]) } : r)),
  "attrs Latin-1 only": mapped((r) => ({ ...r, attrs: Object.fromEntries(Object.entries(r.attrs as Record<string, string>).map(([k, v]) => [k.replace(NOT_LATIN1, "?"), v.replace(NOT_LATIN1, "?")])) })),
  "echo's value (the events)": reqs.map((r) => r.events as unknown as Record<string, unknown>[]),
};
const wide = new Set(reqs.flatMap((r) => r.events.flatMap((e) => Object.entries(e.attrs ?? {}).flat().filter((s) => HAS_NOT_LATIN1.test(s)))));

for (const [name, value] of Object.entries(rows)) {
  if (name === "attrs Latin-1 only" || name.startsWith("echo")) continue;
  for (let i = 0; i < value.length; i++) if (JSON.stringify({ results: value[i] }) !== answerText(stages.serialize(results[i]!))) throw new Error(`${name}: not the variant's text`);
}

const loops = Math.max(20, Math.round(20_000 / (reqs[0]?.events.length ?? 1)));
const out: { row: string; usPerCall: ReturnType<typeof summarize>; nsPerEvent: number }[] = [];
for (const [name, value] of Object.entries(rows)) {
  let k = 0;
  for (let i = 0; i < loops; i++) JSON.stringify({ results: value[k++ % value.length] });
  const times: number[] = [];
  for (let r = 0; r < args.repeats; r++) {
    const t0 = Bun.nanoseconds();
    for (let i = 0; i < loops; i++) JSON.stringify({ results: value[k++ % value.length] });
    times.push((Bun.nanoseconds() - t0) / loops / 1e3);
  }
  const us = summarize(times);
  const events = value.reduce((n, v) => n + v.length, 0) / value.length;
  out.push({ row: name, usPerCall: us, nsPerEvent: (us.median * 1e3) / events });
  console.log(`${name.padEnd(28)} ${us.median.toFixed(1).padStart(8)} µs (${us.min.toFixed(1)}–${us.max.toFixed(1)})  ${(out.at(-1)!.nsPerEvent).toFixed(0).padStart(5)} ns/event`);
}
console.log(`non-Latin-1 attr strings in these ${reqs.length} batches: ${[...wide].map((s) => JSON.stringify(s)).join(", ") || "none"}`);
mkdirSync(args.out, { recursive: true });
writeFileSync(
  join(args.out, "meta.json"),
  `${JSON.stringify({ what: `JSON.stringify({results}) of ${args.variant}'s answers to data/default/${args.mix}.ndjson's first ${reqs.length} batches, per call`, variant: args.variant, mix: args.mix, loops, repeats: args.repeats, wideStrings: [...wide], rows: out, meta: collectMeta() }, null, 2)}\n`,
);
console.log(`wrote ${join(args.out, "meta.json")}`);
