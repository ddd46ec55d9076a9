/**
 * The answer with each hit's fields written by the native library
 * (v16-native-fields): JS writes what comes from the request — every key and
 * attrs, json-bytes.ts's writeHeads — and one eix_write_answer call per batch
 * joins those heads with the fields (account … name) it formats straight from
 * the mapped payloads, with the payloads of the hits ahead prefetched. Same
 * bytes as json-bytes.ts's writeResults: the pieces of text are its tables
 * (FIELD_PIECES), and only numbers, the date and the name are formatted in C.
 *
 * Where the C writer cannot answer, writeResults does, so the bytes and the
 * failures stay the JS writer's:
 *   - the library cannot be built or loaded here (no C compiler);
 *   - the index still has checks to make before a payload is read
 *     (payloadShards() is null: a TS-index shard not verified yet);
 *   - an entry whose tier or country no rule names (the JS writer throws its
 *     error) or whose name needs a JSON escape.
 *
 * Bun's FFI is handed only large, long-lived buffers, grown and never shrunk
 * below their start size; addresses are taken at each call.
 */
import { dlopen, FFIType, ptr, type Pointer } from "bun:ffi";
import type { Index } from "../../index/contract.ts";
import { nativeSymbols } from "../../index/native-build.ts";
import { FIELD_PIECES, HEAD_PIECES, type HeadResult, newScratch, type PayloadResult, scratchAfterUse, writeHeads, writeResults } from "./json-bytes.ts";

/** A result as v16 carries it from assemble to the writer: the event and its index position (-1 for a miss). */
export interface PositionResult extends HeadResult {
  pos: number;
}

/** A batch's results and the index their positions are in; `body`, the request's bytes when a variant copies the heads from them (v18). */
export type PositionResults = PositionResult[] & {
  index: Index;
  body?: Uint8Array;
  /** For results whose keys and attrs are still only in the body (v23): sets them, before a JS writer reads them. */
  fillHeads?: () => void;
};

const SYMBOLS = {
  eix_lexicon_new: { args: [FFIType.ptr, FFIType.u32, FFIType.ptr, FFIType.u32, FFIType.ptr, FFIType.u32], returns: FFIType.ptr },
  eix_lexicon_max_fields: { args: [FFIType.ptr], returns: FFIType.u32 },
  eix_write_answer: {
    args: [FFIType.ptr, FFIType.ptr, FFIType.u32, FFIType.u32, FFIType.u32, FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.u32, FFIType.ptr, FFIType.u32],
    returns: FFIType.i32,
  },
  eix_body_heads: { args: [FFIType.ptr, FFIType.ptr, FFIType.u32, FFIType.ptr, FFIType.u32, FFIType.ptr, FFIType.u32, FFIType.ptr], returns: FFIType.i32 },
} as const;

/** enrich_index.h: the lexicon's piece order and eix_write_answer's failures. */
const FIXED = ["account", "segment", "tagsOpen", "tagsClose", "name", "end"] as const;
const HEADS = ["open", "key", "hit", "miss"] as const;
const HEADS_OTHER = -3;
const TIERS = 256;
const COUNTRIES = 65536;
const WRITE_BAD_ARGS = -1;
const WRITE_ROOM = -2;

type Writer = { fns: ReturnType<typeof dlopen<typeof SYMBOLS>>["symbols"]; lexicon: Pointer; maxFields: number };

/** The library and the lexicon built from json-bytes.ts's pieces, once; null where the library is unavailable (writeResults answers). */
let writer: Writer | null | undefined;

// No compiler, or a library this process cannot load (native-index.ts calls both unavailable): the JS writer answers.
const native = nativeSymbols(SYMBOLS);

function load(): Writer | null {
  if (writer !== undefined) return writer;
  const fns = native();
  if (!fns) return (writer = null);
  const pieces: Uint8Array[] = [...FIXED.map((k) => FIELD_PIECES[k]), ...HEADS.map((k) => HEAD_PIECES[k]), ...FIELD_PIECES.tags.map((t) => t.json)];
  for (let t = 0; t < TIERS; t++) pieces.push(FIELD_PIECES.tiers.get(t) ?? new Uint8Array(0));
  for (let c = 0; c < COUNTRIES; c++) pieces.push(FIELD_PIECES.countries.get(c) ?? new Uint8Array(0));
  const text = new Uint8Array(pieces.reduce((n, b) => n + b.length, 0));
  const spans = new Uint32Array(2 * pieces.length);
  let at = 0;
  pieces.forEach((b, k) => {
    text.set(b, at);
    spans[2 * k] = at;
    spans[2 * k + 1] = b.length;
    at += b.length;
  });
  const bits = new Uint8Array(Math.max(1, FIELD_PIECES.tags.length));
  FIELD_PIECES.tags.forEach((t, i) => (bits[i] = t.bit));
  // A lexicon the library refuses is a bug in these tables, not a machine without a compiler: loud.
  const lexicon = fns.eix_lexicon_new(ptr(text), text.length, ptr(spans), pieces.length, ptr(bits), FIELD_PIECES.tags.length) as Pointer | null;
  if (!lexicon) throw new Error("eix_lexicon_new refused json-bytes.ts's pieces");
  return (writer = { fns, lexicon, maxFields: fns.eix_lexicon_max_fields(lexicon) });
}

/** Whether the answer's fields are written natively here (false: no library, so writeResults writes them). */
export function nativeFieldsAvailable(): boolean {
  return load() !== null;
}

// The payload shards' addresses, per shard list (an index keeps one for its life, and its mappings with it).
const shardTables = new WeakMap<readonly Uint8Array[], { addrs: BigUint64Array; count: number }>();
function shardTable(shards: readonly Uint8Array[]) {
  let t = shardTables.get(shards);
  if (!t) {
    const addrs = new BigUint64Array(Math.max(1024, shards.length));
    shards.forEach((s, i) => (addrs[i] = BigInt(ptr(s))));
    shardTables.set(shards, (t = { addrs, count: shards.length }));
  }
  return t;
}

const MIN_EVENTS = 4096;
let ends = new Int32Array(MIN_EVENTS), positions = new Int32Array(MIN_EVENTS);
let out = newScratch();
/** Grows the per-result buffers (ends, positions) to hold n results. */
function roomFor(n: number): void {
  if (n > ends.length) (ends = new Int32Array(n)), (positions = new Int32Array(n));
}
// The body is copied into a long-lived buffer before the call, and the heads written into another (Bun's FFI and small, short-lived arrays).
let bodyCopy = newScratch(), headsOut = newScratch();
/** What a head adds to its event's bytes in the body at most: the comma, `,"found":false` and the open piece, spread over every event. */
const HEAD_EXTRA = 32 + HEAD_PIECES.open.length;

/**
 * The heads copied from the request body (eix_body_heads), or null when the
 * body is not in the one form that can be copied, and writeHeads must walk
 * the results. A view of a scratch buffer, valid until the next call.
 */
function headsFromBody(w: Writer, bytes: Uint8Array, n: number): Uint8Array | null {
  if (bytes.length > bodyCopy.length) bodyCopy = new Uint8Array(Math.max(bytes.length, 2 * bodyCopy.length));
  bodyCopy.set(bytes);
  const need = bytes.length + n * HEAD_EXTRA;
  if (need > headsOut.length) headsOut = new Uint8Array(Math.max(need, 2 * headsOut.length));
  const written = w.fns.eix_body_heads(w.lexicon, ptr(bodyCopy), bytes.length, ptr(positions), n, ptr(headsOut), headsOut.length, ptr(ends));
  bodyCopy = scratchAfterUse(bodyCopy);
  if (written === HEADS_OTHER) return null;
  if (written < 0) throw new Error(`eix_body_heads failed (${written}) for ${n} results in ${headsOut.length} bytes`);
  const view = headsOut.subarray(0, written);
  headsOut = scratchAfterUse(headsOut);
  return view;
}

/**
 * bodyHeads: the heads eix_body_heads copies from `bytes` for a batch whose
 * i-th event is a hit when `found[i]` (a fresh copy), or null where it does
 * not copy: a body in another form, or no library. What v18's writer uses,
 * for tests that hold it to writeHeads.
 */
export function bodyHeads(bytes: Uint8Array, found: readonly boolean[]): Uint8Array | null {
  const w = load();
  const n = found.length;
  if (!w || n === 0) return null;
  roomFor(n);
  for (let i = 0; i < n; i++) positions[i] = found[i] ? 0 : -1;
  return headsFromBody(w, bytes, n)?.slice() ?? null;
}

/** v15's writer over the same results: the path for everything the C writer leaves to JS. */
function inJs(results: PositionResults): Uint8Array {
  results.fillHeads?.();
  const index = results.index;
  return writeResults(results.map((r): PayloadResult => ({ key: r.key, found: r.found, attrs: r.attrs, payload: r.found ? index.payload(r.pos) : undefined })));
}

// Answer buffers handed back by releaseAnswer (v21), reused before any new one is made.
const lent = new WeakSet<ArrayBuffer>();
const spares: Uint8Array<ArrayBuffer>[] = [];
const MAX_SPARES = 8;
/** Where a buffer handed back stops being kept (a rare huge answer is not held for the process's life). */
const MAX_SPARE_BYTES = 4 << 20;
/** The smallest buffer lent: a thin answer's buffer can take a default-mix one next time. */
const MIN_LENT_BYTES = 64 << 10;

/** A buffer of at least `need` bytes to lend: a spare, or a new one (remembered as ours, so it can come back). */
function bufferToLend(need: number): Uint8Array<ArrayBuffer> {
  for (let i = spares.length - 1; i >= 0; i--) {
    const b = spares[i]!;
    if (b.length >= need) {
      spares[i] = spares[spares.length - 1]!;
      spares.pop();
      return b;
    }
  }
  const b = new Uint8Array(Math.max(need, MIN_LENT_BYTES));
  lent.add(b.buffer);
  return b;
}

/** releaseAnswer: takes back the buffer of an answer writeAnswer lent (anything else is ignored), for the next answers. */
export function releaseAnswer(answer: Uint8Array | string): void {
  if (typeof answer === "string" || !lent.has(answer.buffer as ArrayBuffer)) return;
  const whole = new Uint8Array(answer.buffer as ArrayBuffer);
  if (whole.length <= MAX_SPARE_BYTES && spares.length < MAX_SPARES && !spares.some((b) => b.buffer === whole.buffer)) spares.push(whole);
}

/**
 * writeAnswer: `{"results":[...]}` as UTF-8 bytes, byte for byte writeResults'.
 * By default a fresh array the caller owns. With `lend`, a view of a buffer
 * that is the caller's until it hands the answer to releaseAnswer (v21):
 * no fresh array and no copy per answer. With `results.body`, each head is
 * copied from the body where it is in the form that allows it (headsFromBody).
 */
export function writeAnswer(results: PositionResults, lend = false): Uint8Array {
  const w = load();
  const payloads = w && results.index.payloadShards();
  const n = results.length;
  // An empty batch has no head to carry the opening bracket.
  if (!w || !payloads || n === 0) return inJs(results);
  roomFor(n);
  let hits = 0;
  for (let i = 0; i < n; i++) if ((positions[i] = results[i]!.pos) >= 0) hits++;
  const heads = (results.body && headsFromBody(w, results.body, n)) || (results.fillHeads?.(), writeHeads(results, ends));
  // eix_write_answer asks for a whole entry's room (its head and the widest fields) before each event, hit or miss:
  // one more entry's fields of slack, or a batch that ends in misses fails for want of room it would not use (test/enrich/answer-room.test.ts).
  const need = heads.length + (hits + 1) * w.maxFields + n + 2;
  const into = lend ? bufferToLend(need) : need > out.length ? (out = new Uint8Array(Math.max(need, 2 * out.length))) : out;
  const table = shardTable(payloads.shards);
  const written = w.fns.eix_write_answer(w.lexicon, ptr(table.addrs), table.count, payloads.shardBits, results.index.entries, ptr(heads), ptr(ends), ptr(positions), n, ptr(into), into.length - 2);
  if (written === WRITE_BAD_ARGS || written === WRITE_ROOM) throw new Error(`eix_write_answer failed (${written}) for ${n} results in ${into.length} bytes`);
  if (written < 0) {
    if (lend) releaseAnswer(into);
    return inJs(results);
  }
  into[written] = 0x5d;
  into[written + 1] = 0x7d;
  if (lend) return into.subarray(0, written + 2);
  const answer = out.slice(0, written + 2);
  out = scratchAfterUse(out);
  return answer;
}
