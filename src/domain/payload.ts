/**
 * The 48-byte payload stored with every key, and the splitmix64 stream that
 * fills it (docs/contract.md, "Data formulas"). The index stores these bytes; the enrich
 * step decodes them and never recomputes them from the key.
 *
 * Byte layout (little-endian):
 *
 *   offset size  field    value
 *   0      4     account  u32: next() & 0xFFFFFFFF
 *   4      2     segment  u16: next() % 4096
 *   6      2     country  2 ASCII letters: COUNTRIES[next() % 32]
 *   8      1     tier     u8 index into TIERS: next() % 4
 *   9      1     (zero)
 *   10     2     score    u16: next() % 10001, rendered as score / 10000
 *   12     4     tags     u32: next() & 0xFFFF, bit i set → TAGS[i]
 *   16     4     since    u32 epoch seconds: 1420070400 + next() % 347155200
 *   20     28    name     ASCII "acct-" + base36(account) + "-" + NAMES[next() % 16], NUL-padded
 */
import { GOLDEN_HI, GOLDEN_LO } from "./keys.ts";
import { H, L, add64, mod64, mul64, xorShiftRight } from "./u64.ts";

export const PAYLOAD_BYTES = 48;
export const NAME_OFFSET = 20;
export const NAME_BYTES = 28;

export const COUNTRIES = Object.freeze(
  "US GB DE FR JP CN IN BR CA AU ES IT NL SE NO DK FI PL PT IE MX AR CL ZA NG EG KR SG ID TR CH AT".split(" "),
);
export const TIERS = Object.freeze(["bronze", "silver", "gold", "platinum"]);
export const TAGS = Object.freeze(
  "new returning mobile desktop tablet organic paid social email referral trial premium churn-risk high-value b2b b2c".split(" "),
);
export const NAMES = Object.freeze(
  "alpha bravo charlie delta echo foxtrot golf hotel india juliett kilo lima mike november oscar papa".split(" "),
);
export const SINCE_BASE = 1420070400;
export const SINCE_SPAN = 347155200;

/** The decoded payload, as the enrich step renders it. */
export interface PayloadFields {
  account: number;
  segment: number;
  country: string;
  tier: string;
  score: number;
  tags: string[];
  since: number;
  name: string;
}

// splitmix64 state, kept in registers so the generator allocates nothing per entry.
let sHi = 0, sLo = 0;

/** splitmix64's next(); result in H:L (u64 module registers). */
function next(): void {
  add64(sHi, sLo, GOLDEN_HI, GOLDEN_LO);
  sHi = H;
  sLo = L;
  xorShiftRight(sHi, sLo, 30);
  mul64(H, L, 0xbf58476d, 0x1ce4e5b9);
  xorShiftRight(H, L, 27);
  mul64(H, L, 0x94d049bb, 0x133111eb);
  xorShiftRight(H, L, 31);
}

const NAME_ASCII = NAMES.map((n) => Array.from(n, (c) => c.charCodeAt(0)));
const COUNTRY_CODES = COUNTRIES.map((c) => [c.charCodeAt(0), c.charCodeAt(1)] as const);
const BASE36 = Array.from("0123456789abcdefghijklmnopqrstuvwxyz", (c) => c.charCodeAt(0));
const digits = new Uint8Array(8);

/**
 * writePayload derives the payload of key hi:lo and writes its 48 bytes into
 * `out` at `offset` (which must already be zero-filled for the NUL padding).
 */
export function writePayload(hi: number, lo: number, out: Uint8Array, view: DataView, offset: number): void {
  sHi = hi;
  sLo = lo;
  next();
  const account = L;
  view.setUint32(offset, account, true);
  next();
  view.setUint16(offset + 4, L & 4095, true);
  next();
  const cc = COUNTRY_CODES[L & 31]!;
  out[offset + 6] = cc[0];
  out[offset + 7] = cc[1];
  next();
  out[offset + 8] = L & 3;
  out[offset + 9] = 0;
  next();
  view.setUint16(offset + 10, mod64(H, L, 10001), true);
  next();
  view.setUint32(offset + 12, L & 0xffff, true);
  next();
  view.setUint32(offset + 16, SINCE_BASE + mod64(H, L, SINCE_SPAN), true);
  next();
  const name = NAME_ASCII[L & 15]!;
  // "acct-" + base36(account) + "-" + name
  let p = offset + NAME_OFFSET;
  out[p++] = 97; out[p++] = 99; out[p++] = 99; out[p++] = 116; out[p++] = 45;
  let a = account, n = 0;
  do {
    digits[n++] = BASE36[a % 36]!;
    a = Math.floor(a / 36);
  } while (a > 0);
  while (n > 0) out[p++] = digits[--n]!;
  out[p++] = 45;
  for (let i = 0; i < name.length; i++) out[p++] = name[i]!;
}

/** Decodes the 48 payload bytes at `offset` into fields (reference decoder; variants may inline their own). */
export function decodePayload(bytes: Uint8Array, offset: number): PayloadFields {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tagBits = view.getUint32(offset + 12, true);
  const tags: string[] = [];
  for (let i = 0; i < 16; i++) if (tagBits & (1 << i)) tags.push(TAGS[i]!);
  let end = offset + NAME_OFFSET;
  while (end < offset + PAYLOAD_BYTES && bytes[end] !== 0) end++;
  return {
    account: view.getUint32(offset, true),
    segment: view.getUint16(offset + 4, true),
    country: String.fromCharCode(bytes[offset + 6]!, bytes[offset + 7]!),
    tier: TIERS[bytes[offset + 8]!]!,
    score: view.getUint16(offset + 10, true) / 10000,
    tags,
    since: view.getUint32(offset + 16, true),
    name: String.fromCharCode(...bytes.subarray(offset + NAME_OFFSET, end)),
  };
}

/** ISO-8601 UTC without milliseconds, as the wire format renders `since`. */
export function isoSeconds(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(".000Z", "Z");
}
