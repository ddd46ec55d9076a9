/**
 * v4-table-decode: v3-memo-by-position plus one change — `decode` reads the
 * payload with typed reads and tables built once at start, instead of v0's
 * decodeFieldsByHand (per-byte string building, every number formatted to a
 * template string and parsed back, a linear scan of the country and tier
 * rules and a copy-and-sort of the tag rules for every hit).
 *
 * Same answers, same failures: a country or tier byte that no rule names
 * throws the message decodeFieldsByHand throws, and tags keep the rules'
 * priority order (priority = bit, so ascending bits). Evidence: FINDINGS.md §5.
 */
import { NAME_OFFSET, PAYLOAD_BYTES, isoSeconds } from "../../domain/payload.ts";
import type { EnrichContext } from "../variant.ts";
import { derive } from "../variant.ts";
import { RULES } from "../v0/rules.ts";
import { v3MemoByPosition } from "./v3-memo-by-position.ts";

// country bytes (b6 << 8 | b7) → the rule's code; tier byte → the rule's name (json-bytes.ts builds its byte tables from these).
export const COUNTRY_BY_BYTES: ReadonlyMap<number, string> = new Map(RULES.countries.map((c) => [(c.code.charCodeAt(0) << 8) | c.code.charCodeAt(1), c.code]));
export const TIER_BY_INDEX: ReadonlyMap<number, string> = new Map(RULES.tiers.map((t) => [t.index, t.name]));
/** The failures of a corrupt entry, with decodeFieldsByHand's messages: every table decoder throws these. */
export const noCountryRule = (b6: number, b7: number) => new Error(`no country rule for ${String.fromCharCode(b6, b7)}`);
export const noTierRule = (tier: number) => new Error(`no tier rule for index ${tier}`);
/** The tag rules in the order a list names them (json-bytes.ts hands them to the native writer). */
export const TAGS_BY_PRIORITY: readonly { bit: number; name: string }[] = [...RULES.tags].sort((a, b) => a.priority - b.priority);

// Tag lists by bit pattern, built on first use and shared (results are only ever serialized, never mutated).
// Bits no rule names are dropped first, as sortTagsByPriority drops them, which also bounds the table.
export const RULE_BITS = RULES.tags.reduce((m, t) => m | (1 << t.bit), 0);

/** tagTable: a payload's tag bits → its tag list, one shared list per bit pattern; `freeze` as v4 built them (a later rung drops it). */
export function tagTable(freeze: boolean): (allBits: number) => readonly string[] {
  const lists = new Map<number, readonly string[]>();
  return function tagsFor(allBits) {
    const bits = allBits & RULE_BITS;
    let list = lists.get(bits);
    if (!list) {
      const names = TAGS_BY_PRIORITY.filter((t) => bits & (1 << t.bit)).map((t) => t.name);
      list = freeze ? Object.freeze(names) : names;
      lists.set(bits, list);
    }
    return list;
  };
}

const frozenTags = tagTable(true);

/** tableDecoder: decodeWithTables with `since` rendered by `formatSince` and tags from `tagsFor` (later rungs change only those). */
export function tableDecoder(formatSince: (epochSeconds: number) => string, tagsFor = frozenTags): (bytes: Uint8Array) => Record<string, unknown> {
  return (bytes) => decodeTables(bytes, formatSince, tagsFor);
}

/** decodeWithTables: the payload's fields in wire order, from typed reads and start-up tables. */
export const decodeWithTables = tableDecoder(isoSeconds);

function decodeTables(bytes: Uint8Array, formatSince: (epochSeconds: number) => string, tagsFor: (allBits: number) => readonly string[]): Record<string, unknown> {
  const b6 = bytes[6]!, b7 = bytes[7]!;
  const country = COUNTRY_BY_BYTES.get((b6 << 8) | b7);
  if (country === undefined) throw noCountryRule(b6, b7);
  const tier = TIER_BY_INDEX.get(bytes[8]!);
  if (tier === undefined) throw noTierRule(bytes[8]!);
  let end = NAME_OFFSET;
  while (end < PAYLOAD_BYTES && bytes[end] !== 0) end++;
  return {
    account: (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) >>> 0,
    segment: bytes[4]! | (bytes[5]! << 8),
    country,
    tier,
    score: (bytes[10]! | (bytes[11]! << 8)) / 10000,
    tags: tagsFor((bytes[12]! | (bytes[13]! << 8) | (bytes[14]! << 16) | (bytes[15]! << 24)) >>> 0),
    since: formatSince((bytes[16]! | (bytes[17]! << 8) | (bytes[18]! << 16) | (bytes[19]! << 24)) >>> 0),
    name: String.fromCharCode.apply(null, bytes.subarray(NAME_OFFSET, end) as unknown as number[]),
  };
}

export const v4TableDecode = derive(v3MemoByPosition, "v4-table-decode", "payload fields are decoded with typed reads and start-up tables, not per-byte strings, number round trips through text and a scan and sort of the rules per hit", {
  decode(pos: number, ctx: EnrichContext): Record<string, unknown> {
    return decodeWithTables(ctx.index.payload(pos));
  },
});
