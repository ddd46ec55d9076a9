/**
 * Usage: bun bench/write-answer.ts --index DIR [--impl native] [--mix fat] [--rows mapped,compact,heads] [--seconds 5] [--out DIR]
 *
 * What v16's answer writer costs per batch, and how much of it is reaching
 * the payloads: the corpus's batches of `--mix` are looked up once
 * (v16's stages), then each row writes them for `--seconds`:
 *   - mapped:  writeAnswer as served: every hit's payload read from the
 *              index's mapping, at its own position;
 *   - compact: the same payloads copied into one small array per batch,
 *              positions renumbered, so they are dense and cache- and
 *              TLB-friendly;
 *   - heads:   writeHeads alone, the JS half (keys and attrs).
 * The rows alternate round by round (`--rounds`), so a drift of the machine
 * hits all of them. Every batch's answer is checked against v15's JS writer
 * first, in both mapped and compact form. Pin it (`taskset -c 0`); run it
 * under `perf record` to see inside the C writer (FINDINGS.md §25). Writes
 * DIR/meta.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, fail } from "../src/cli/args.ts";
import { collectMeta, summarize } from "../scripts/lib/meta.ts";
import { DEFAULT_LIMITS } from "../src/config.ts";
import { type PayloadResult, writeHeads, writeResults } from "../src/enrich/ladder/json-bytes.ts";
import { nativeFieldsAvailable, type PositionResults, writeAnswer } from "../src/enrich/ladder/native-fields.ts";
import { v16NativeFields } from "../src/enrich/ladder/v16-native-fields.ts";
import type { EnrichContext, EnrichRequest } from "../src/enrich/variant.ts";
import { INDEX_IMPLS, type Index, type IndexImpl } from "../src/index/contract.ts";
import { openIndex } from "../src/index/open-index.ts";

const ROWS = ["mapped", "compact", "heads"] as const;
const args = cli(process.argv.slice(2), "Usage: bun bench/write-answer.ts --index DIR [options]\n\nv16's answer writer per batch: payloads read from the mapping, from a dense copy, and the JS heads alone.", {
  index: { kind: "string", help: "index directory (its <mix>.ndjson is the corpus)" },
  impl: { kind: "string", help: "index implementation", default: "native", choices: [...INDEX_IMPLS] },
  mix: { kind: "string", help: "corpus", default: "fat", choices: ["thin", "default", "fat"] },
  rows: { kind: "string", help: `rows, comma-separated (${ROWS.join(", ")})`, default: ROWS.join(",") },
  rounds: { kind: "number", help: "rounds; each runs every row once", default: 5 },
  seconds: { kind: "number", help: "seconds per row per round", default: 2 },
  out: { kind: "string", help: "directory for meta.json" },
});
if (!args.index) fail("--index DIR is required (e.g. data/scale-50m)");
const rows = args.rows.split(",").filter(Boolean);
for (const r of rows) if (!(ROWS as readonly string[]).includes(r)) fail(`unknown row '${r}' (known: ${ROWS.join(", ")})`);
if (!nativeFieldsAvailable()) fail("the native library is not available here: writeAnswer would be v15's JS writer");

const index = openIndex(args.index, { impl: args.impl as IndexImpl });
const ctx: EnrichContext = { index, limits: DEFAULT_LIMITS };
const stages = v16NativeFields.stages;
const reqs = readFileSync(join(args.index, `${args.mix}.ndjson`), "utf8").split("\n").filter(Boolean).map((b) => JSON.parse(b) as EnrichRequest);
const mapped: PositionResults[] = [];
for (const r of reqs) mapped.push(stages.assemble(r, await stages.lookupAll(r.events, ctx), ctx, {}) as PositionResults);

/** The batch with its hits' payloads copied into one dense array, positions 0, 1, 2 … */
function compactOf(batch: PositionResults): PositionResults {
  const shard = new Uint8Array(Math.max(1, batch.length) * 48);
  const out = batch.map((r, i) => {
    if (r.pos >= 0) shard.set(index.payload(r.pos), i * 48);
    return { ...r, pos: r.pos >= 0 ? i : -1 };
  }) as PositionResults;
  const payload = (pos: number) => shard.subarray(pos * 48, pos * 48 + 48);
  out.index = { ...index, impl: index.impl, entries: batch.length, payload, payloadShards: () => ({ shards: [shard], shardBits: 24 }) } as Index;
  return out;
}
const compact = mapped.map(compactOf);

const js = (batch: PositionResults) => writeResults(batch.map((r): PayloadResult => ({ key: r.key, found: r.found, attrs: r.attrs, payload: r.found ? batch.index.payload(r.pos) : undefined })));
for (let i = 0; i < mapped.length; i++) {
  const want = Buffer.from(js(mapped[i]!));
  if (Buffer.compare(Buffer.from(writeAnswer(mapped[i]!)), want) !== 0 || Buffer.compare(Buffer.from(writeAnswer(compact[i]!)), want) !== 0) fail(`batch ${i}: writeAnswer is not v15's bytes`);
}

const ends = new Int32Array(Math.max(...reqs.map((r) => r.events.length), 1));
const work: Record<string, (b: number) => unknown> = {
  mapped: (b) => writeAnswer(mapped[b]!),
  compact: (b) => writeAnswer(compact[b]!),
  heads: (b) => writeHeads(mapped[b]!, ends),
};
const perRow: Record<string, number[]> = Object.fromEntries(rows.map((r) => [r, []]));
for (let round = 0; round < args.rounds; round++) {
  for (const row of rows) {
    const f = work[row]!;
    let n = 0;
    const t0 = Bun.nanoseconds();
    const stop = t0 + args.seconds * 1e9;
    while (Bun.nanoseconds() < stop) for (let b = 0; b < mapped.length; b++, n++) f(b);
    perRow[row]!.push((Bun.nanoseconds() - t0) / n / 1e3);
  }
  process.stderr.write(`write-answer: round ${round + 1}/${args.rounds}\n`);
}
const hits = mapped.reduce((n, b) => n + b.filter((r) => r.pos >= 0).length, 0) / mapped.length;
const result = rows.map((row) => ({ row, usPerBatch: summarize(perRow[row]!) }));
for (const r of result) console.log(`${r.row.padEnd(8)} ${r.usPerBatch.median.toFixed(1).padStart(8)} µs per batch (${r.usPerBatch.min.toFixed(1)}–${r.usPerBatch.max.toFixed(1)}, ${args.rounds} rounds)`);
console.log(`${mapped.length} batches of ${args.mix}, ${hits.toFixed(0)} hits each on average, index ${args.index} (${index.impl}, ${index.entries} entries)`);
if (args.out) {
  mkdirSync(args.out, { recursive: true });
  writeFileSync(join(args.out, "meta.json"), `${JSON.stringify({ what: "v16's answer writer per batch (bench/write-answer.ts)", index: args.index, impl: index.impl, mix: args.mix, batches: mapped.length, hitsPerBatch: hits, rows: result, meta: collectMeta() }, null, 2)}\n`);
  console.log(`wrote ${join(args.out, "meta.json")}`);
}
