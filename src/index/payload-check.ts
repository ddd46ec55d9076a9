/**
 * What a payload must look like (src/domain/payload.ts's layout), checked
 * without allocating: the guard for entries whose file's CRC has not been
 * verified yet. It catches every corruption of the tier, the zero byte, the
 * name (which spells the account in base36, so the account is covered too),
 * the top bits of segment and tags, and most of country, score and since; it
 * cannot see a flipped low bit of segment, score, tags or since — only the
 * file's CRC can, which is why large indexes are verified in the background.
 */
import { COUNTRIES, NAMES, NAME_BYTES, NAME_OFFSET, PAYLOAD_BYTES, SINCE_BASE, SINCE_SPAN } from "../domain/payload.ts";

const COUNTRY_SET = new Set(COUNTRIES.map((c) => c.charCodeAt(0) | (c.charCodeAt(1) << 8)));
/** The names start with 16 different letters: the first byte picks the only candidate. */
const NAME_BY_FIRST: (Uint8Array | undefined)[] = [];
for (const n of NAMES) NAME_BY_FIRST[n.charCodeAt(0)] = Uint8Array.from(n, (c) => c.charCodeAt(0));
const BASE36 = Array.from("0123456789abcdefghijklmnopqrstuvwxyz", (c) => c.charCodeAt(0));
const digits = new Uint8Array(8);

const u16 = (b: Uint8Array, o: number) => b[o]! | (b[o + 1]! << 8);
const u32 = (b: Uint8Array, o: number) => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;

/** payloadLooksValid is false when the 48 bytes at `offset` break an invariant of the payload formulas. */
export function payloadLooksValid(b: Uint8Array, offset = 0): boolean {
  if (b.length - offset < PAYLOAD_BYTES) return false;
  if (u16(b, offset + 4) > 4095 || b[offset + 8]! > 3 || b[offset + 9] !== 0 || u16(b, offset + 10) > 10000) return false;
  if (b[offset + 14] !== 0 || b[offset + 15] !== 0) return false;
  if (!COUNTRY_SET.has(u16(b, offset + 6))) return false;
  const since = u32(b, offset + 16);
  if (since < SINCE_BASE || since >= SINCE_BASE + SINCE_SPAN) return false;
  // "acct-" + base36(account) + "-" + one of NAMES, then NULs to the end.
  let p = offset + NAME_OFFSET;
  if (b[p] !== 97 || b[p + 1] !== 99 || b[p + 2] !== 99 || b[p + 3] !== 116 || b[p + 4] !== 45) return false;
  p += 5;
  let a = u32(b, offset), n = 0;
  do {
    digits[n++] = BASE36[a % 36]!;
    a = Math.floor(a / 36);
  } while (a > 0);
  while (n > 0) if (b[p++] !== digits[--n]) return false;
  if (b[p++] !== 45) return false;
  const end = offset + NAME_OFFSET + NAME_BYTES;
  const name = NAME_BY_FIRST[b[p]!];
  if (!name || name.length > end - p) return false;
  for (let i = 1; i < name.length; i++) if (b[p + i] !== name[i]) return false;
  for (p += name.length; p < end; p++) if (b[p] !== 0) return false;
  return true;
}
