/**
 * Usage: bun test/golden/regenerate.ts
 *
 * Rewrites the golden request set and the expected responses. The expected
 * bytes come from oracle/response.ts (the BigInt transcription of
 * docs/contract.md's formulas, and JSON.stringify) — never from the service — so the
 * golden test checks every variant against the spec, not against v0.
 *
 * Regenerate only when the contract itself changes (docs/contract.md's formulas or
 * wire format, or a deliberate change to the request set). A variant that
 * fails the golden test is wrong; changing these files to make it pass would
 * hide the bug the test exists to catch. Review the diff of responses.ndjson.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cli } from "../../src/cli/args.ts";
import { writeCorpus } from "../../src/workload/corpus.ts";
import { parseOrdered } from "../../src/http/ordered-json.ts";
import * as ref from "../../oracle/formulas.ts";
import { expectedResponse, type OracleEvent } from "../../oracle/response.ts";
import { GOLDEN_SPEC } from "./spec.ts";

const USAGE = `Usage: bun test/golden/regenerate.ts

Rewrites test/golden/requests.ndjson and responses.ndjson from the reference
formulas (never from the service). Only when the contract itself changes:
review the diff of responses.ndjson.`;
// Before anything is written: --help answers and exits, and any other flag is refused (exit 2).
cli(process.argv.slice(2), USAGE, {});

const HERE = import.meta.dir;
const { entries, seed } = GOLDEN_SPEC;
const S = BigInt(seed);
const keyOf = (rank: number) => ref.key(S, BigInt(rank)).toString();

function corpusLines(mix: "thin" | "default" | "fat", requests: number): string[] {
  const dir = mkdtempSync(join(tmpdir(), "enrich-golden-"));
  try {
    writeCorpus({ path: join(dir, "c.ndjson"), mix, requests, entries, seed });
    return readFileSync(join(dir, "c.ndjson"), "utf8").trimEnd().split("\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ev = (key: string, attrs: Record<string, string> = {}) => ({ key, attrs });
const special = [
  // misses: ranks ≥ N, and keys at the edges of u64 / u32 words
  { events: [ev(keyOf(entries)), ev(keyOf(entries + 1)), ev("0"), ev("1"), ev("4294967295"), ev("4294967296"), ev("18446744073709551615")] },
  // empty attrs, empty batch
  { events: [ev(keyOf(0)), ev(keyOf(1))] },
  { events: [] },
  // unicode and escapes in attrs, in order
  { events: [ev(keyOf(2), { city: "Zürich", emoji: "🙂 ok", cjk: "東京都", rtl: "שלום", escapes: 'quote " backslash \\ tab \t nl \n', ctrl: "\u0001\u001f", z: "last" })] },
  // duplicate keys in one batch, hits and misses
  { events: [ev(keyOf(3), { n: "1" }), ev(keyOf(3), { n: "2" }), ev(keyOf(entries + 7)), ev(keyOf(3)), ev(keyOf(entries + 7), { n: "3" })] },
  // every rank's neighbours of the top of the Zipf distribution
  { events: Array.from({ length: 50 }, (_, r) => ev(keyOf(r), { rank: String(r) })) },
];
const handWritten = [
  // attrs with integer-like names keep their source order (JS objects would move them first)
  '{"events":[{"key":"' + keyOf(4) + '","attrs":{"b":"x","7":"y","a":"z","0":"w"}}]}',
  // unknown fields are ignored; whitespace is not significant
  '{ "events" : [ { "key" : "' + keyOf(5) + '" , "attrs" : { "k" : "v" } , "extra" : [1, 2] } ] , "trace" : "abc" }',
];

const requests = [
  ...corpusLines("thin", 12),
  ...corpusLines("default", 4),
  ...corpusLines("fat", 2),
  ...special.map((r) => JSON.stringify(r)),
  ...handWritten,
];

const present = new Set<string>();
for (let r = 0; r < entries; r++) present.add(keyOf(r));

// parseOrdered keeps the attrs' key order as sent (integer-like keys included), as the service does.
const expected = (body: string) => expectedResponse((parseOrdered(body) as { events: OracleEvent[] }).events, (key) => present.has(key));

writeFileSync(join(HERE, "requests.ndjson"), requests.join("\n") + "\n");
writeFileSync(join(HERE, "responses.ndjson"), requests.map(expected).join("\n") + "\n");
console.log(`wrote ${requests.length} requests and responses for index ${JSON.stringify(GOLDEN_SPEC)}`);
