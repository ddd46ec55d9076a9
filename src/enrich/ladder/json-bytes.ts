/**
 * The answer written as UTF-8 JSON bytes by hand, straight from each hit's
 * 48 payload bytes (v15-json-bytes): no result object per event, no decoded
 * field strings, no JSON.stringify, and no UTF-16 → UTF-8 pass when Bun
 * sends it. The bytes are exactly those of `JSON.stringify({results})` over
 * v12's results, encoded as UTF-8:
 *
 *   - the fixed parts (keys, punctuation, tier, country, a tag list) are
 *     byte strings built once at start-up;
 *   - numbers are written digit by digit (account, segment) or from a table
 *     of `String(v / 10000)` (score), as JSON.stringify writes them;
 *   - a request string (key, attr name or value) whose every unit is
 *     printable ASCII other than `"` and `\` is copied; any other goes
 *     through JSON.stringify and TextEncoder, so escapes, lone surrogates and
 *     non-ASCII text come out as the generic path writes them;
 *   - attrs are walked with for-in, which follows the same own-key order
 *     JSON.stringify does, through the ordered parser's Proxy too;
 *   - the tier, country and tag tables are v4-table-decode.ts's, so a
 *     payload whose tier or country no rule names throws its error, and a
 *     corrupt entry fails the same way.
 *
 * One scratch buffer is shared by every request: writing is synchronous,
 * and the answer is copied out of it at the end.
 */
import { NAME_OFFSET, PAYLOAD_BYTES } from "../../domain/payload.ts";
import { COUNTRY_BY_BYTES, RULE_BITS, TAGS_BY_PRIORITY, TIER_BY_INDEX, noCountryRule, noTierRule, tagTable } from "./v4-table-decode.ts";
import { isoSecondsByArithmetic } from "./v9-arithmetic-date.ts";

/** What a hit carries from assemble to the writer: the event and its payload view (none for a miss). */
export interface PayloadResult {
  key: string;
  found: boolean;
  attrs: Record<string, string>;
  payload: Uint8Array | undefined;
}

const encoder = new TextEncoder();
const bytes = (s: string) => encoder.encode(s);

// v4's tables as the JSON between two fields: country bytes → `,"country":"PT","tier":`; tier byte → `"gold","score":`.
const COUNTRY = new Map([...COUNTRY_BY_BYTES].map(([k, code]) => [k, bytes(`,"country":${JSON.stringify(code)},"tier":`)]));
const TIER = new Map([...TIER_BY_INDEX].map(([i, name]) => [i, bytes(`${JSON.stringify(name)},"score":`)]));
// v4's tag list per bit pattern, written once as `,"tags":[...],"since":"` (bits no rule names are dropped first, as there).
const tagsFor = tagTable(false);
const TAGS_OPEN = ',"tags":';
const TAGS_CLOSE = ',"since":"';
const TAG_JSON = new Map<number, Uint8Array>();
function tagsJson(allBits: number): Uint8Array {
  const bits = allBits & RULE_BITS;
  let b = TAG_JSON.get(bits);
  if (!b) TAG_JSON.set(bits, (b = bytes(`${TAGS_OPEN}${JSON.stringify(tagsFor(bits))}${TAGS_CLOSE}`)));
  return b;
}
const SCORES: string[] = [];

const OPEN = bytes('{"results":[');
const KEY = bytes('{"key":');
const HIT = bytes(',"found":true,"attrs":');
const MISS = bytes(',"found":false,"attrs":');
const ACCOUNT = bytes(',"account":');
const SEGMENT = bytes(',"segment":');
const NAME = bytes('","name":');

/** A scratch buffer's size between answers: one grown past this is dropped after use rather than kept. */
const KEEP_BYTES = 4 << 20;
const SCRATCH_BYTES = 1 << 20;

/** newScratch: a writer's buffer at its starting size. */
export const newScratch = () => new Uint8Array(SCRATCH_BYTES);

/** scratchAfterUse: the buffer to keep for the next answer (a fresh one where a big answer grew it past KEEP_BYTES). */
export function scratchAfterUse(b: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  return b.length > KEEP_BYTES ? newScratch() : b;
}
/** Room every result is given before its fixed parts are written (the longest fixed part is far under it). */
const RESULT_ROOM = 512;

let buf = newScratch();
let p = 0;

function room(n: number): void {
  if (p + n <= buf.length) return;
  const next = new Uint8Array(Math.max(buf.length * 2, p + n));
  next.set(buf.subarray(0, p));
  buf = next;
}

// The writers copy the module's buffer and offset into locals: the loops then touch no module binding.
function put(b: Uint8Array): void {
  const out = buf, at = p;
  for (let i = 0; i < b.length; i++) out[at + i] = b[i]!;
  p = at + b.length;
}

/** ASCII text known to need no escape (digits, dates, scores). */
function putAscii(s: string): void {
  const out = buf, at = p;
  for (let i = 0; i < s.length; i++) out[at + i] = s.charCodeAt(i);
  p = at + s.length;
}

/** An integer 0 ≤ n < 2^32 in decimal, last digit first from its far end. */
function putUint(n: number): void {
  const digits = n < 10 ? 1 : n < 100 ? 2 : n < 1e3 ? 3 : n < 1e4 ? 4 : n < 1e5 ? 5 : n < 1e6 ? 6 : n < 1e7 ? 7 : n < 1e8 ? 8 : n < 1e9 ? 9 : 10;
  const out = buf;
  let at = p + digits - 1;
  p += digits;
  do {
    const rest = Math.floor(n / 10);
    out[at--] = 48 + (n - rest * 10);
    n = rest;
  } while (n > 0);
}

/** A unit JSON.stringify writes as itself, one ASCII byte: printable, not a quote, not a backslash. */
const plain = (c: number) => c >= 0x20 && c <= 0x7e && c !== 0x22 && c !== 0x5c;

/** A JSON string of `s`, quotes included. */
function putString(s: string): void {
  // Six bytes per unit covers the worst escape (\uXXXX); UTF-8 needs at most three.
  room(6 * s.length + 2);
  for (let i = 0; i < s.length; i++) {
    if (!plain(s.charCodeAt(i))) {
      p += encoder.encodeInto(JSON.stringify(s), buf.subarray(p)).written;
      return;
    }
  }
  buf[p++] = 0x22;
  putAscii(s);
  buf[p++] = 0x22;
}

function putAttrs(attrs: Record<string, string>): void {
  buf[p++] = 0x7b;
  let first = true;
  for (const k in attrs) {
    if (!first) buf[p++] = 0x2c;
    first = false;
    putString(k);
    room(1);
    buf[p++] = 0x3a;
    putString(attrs[k]!);
  }
  room(1);
  buf[p++] = 0x7d;
}

/** The payload's name bytes up to its NUL, as decodeTables' Latin-1 string would be written. */
function putName(b: Uint8Array): void {
  let end = NAME_OFFSET;
  let copy = true;
  for (; end < PAYLOAD_BYTES && b[end] !== 0; end++) if (!plain(b[end]!)) copy = false;
  if (!copy) return putString(String.fromCharCode.apply(null, b.subarray(NAME_OFFSET, end) as unknown as number[]));
  buf[p++] = 0x22;
  for (let j = NAME_OFFSET; j < end; j++) buf[p++] = b[j]!;
  buf[p++] = 0x22;
}

function putFields(b: Uint8Array): void {
  const country = COUNTRY.get((b[6]! << 8) | b[7]!);
  if (country === undefined) throw noCountryRule(b[6]!, b[7]!);
  const tier = TIER.get(b[8]!);
  if (tier === undefined) throw noTierRule(b[8]!);
  put(ACCOUNT);
  putUint((b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0);
  put(SEGMENT);
  putUint(b[4]! | (b[5]! << 8));
  put(country);
  put(tier);
  const score = b[10]! | (b[11]! << 8);
  putAscii((SCORES[score] ??= String(score / 10000)));
  put(tagsJson((b[12]! | (b[13]! << 8) | (b[14]! << 16) | (b[15]! << 24)) >>> 0));
  putAscii(isoSecondsByArithmetic((b[16]! | (b[17]! << 8) | (b[18]! << 16) | (b[19]! << 24)) >>> 0));
  put(NAME);
  putName(b);
}

/** A result up to its fields: the comma before it, its key, found and attrs. */
function putHead(r: { key: string; found: boolean; attrs: Record<string, string> }, i: number): void {
  room(RESULT_ROOM);
  if (i > 0) buf[p++] = 0x2c;
  put(KEY);
  putString(r.key);
  room(RESULT_ROOM);
  put(r.found ? HIT : MISS);
  putAttrs(r.attrs);
}

/** writeResults: `{"results":[...]}` of the batch's results, as UTF-8 bytes (a fresh array the caller owns). */
export function writeResults(results: readonly PayloadResult[]): Uint8Array {
  p = 0;
  try {
    room(OPEN.length + 2);
    put(OPEN);
    for (let i = 0; i < results.length; i++) {
      const r = results[i]!;
      putHead(r, i);
      room(RESULT_ROOM);
      if (r.payload) putFields(r.payload);
      buf[p++] = 0x7d;
    }
    room(2);
    buf[p++] = 0x5d;
    buf[p++] = 0x7d;
    return buf.slice(0, p);
  } finally {
    buf = scratchAfterUse(buf);
  }
}

/** What the head writer needs of a result. */
export interface HeadResult {
  key: string;
  found: boolean;
  attrs: Record<string, string>;
}

/**
 * writeHeads: `{"results":[` and every result up to its fields (writeResults'
 * bytes without the fields and the closing brace), `ends[i]` the end of result
 * i's part; a view of the shared scratch buffer, valid until the next write.
 */
export function writeHeads(results: readonly HeadResult[], ends: Int32Array): Uint8Array {
  p = 0;
  room(OPEN.length);
  put(OPEN);
  for (let i = 0; i < results.length; i++) {
    putHead(results[i]!, i);
    ends[i] = p;
  }
  const heads = buf.subarray(0, p);
  buf = scratchAfterUse(buf);
  return heads;
}

/** The text of a head that does not come from the request, as writeHeads writes it: a native writer is given these, not its own. */
export const HEAD_PIECES = { open: OPEN, key: KEY, hit: HIT, miss: MISS } as const;

/** The text between and around a hit's computed fields, as writeResults writes it: a native writer is given these, not its own. */
export const FIELD_PIECES = {
  account: ACCOUNT,
  segment: SEGMENT,
  /** The tag list's brackets are JSON.stringify's: `[` + the names joined by `,` + `]`. */
  tagsOpen: bytes(`${TAGS_OPEN}[`),
  tagsClose: bytes(`]${TAGS_CLOSE}`),
  name: NAME,
  end: bytes("}"),
  /** Tags in the order a list names them, with their payload bit. */
  tags: TAGS_BY_PRIORITY.map((t) => ({ bit: t.bit, json: bytes(JSON.stringify(t.name)) })),
  tiers: TIER,
  countries: COUNTRY,
} as const;
