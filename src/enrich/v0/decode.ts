/**
 * decodeFieldsByHand: the inherited payload decoder. Builds strings byte by
 * byte, formats every number through a template string and back, and
 * consults the per-request rules copy for names it could index directly.
 */
import { NAME_OFFSET, PAYLOAD_BYTES, isoSeconds } from "../../domain/payload.ts";
import { findCountryRule, findTierRule, sortTagsByPriority, type Rules } from "./rules.ts";

/** payloadHex renders the 48 payload bytes as hex, one byte at a time (used as a memo key). */
export function payloadHex(bytes: Uint8Array): string {
  let hex = "";
  for (let i = 0; i < PAYLOAD_BYTES; i++) hex += bytes[i]!.toString(16).padStart(2, "0");
  return hex;
}

function readU32(bytes: Uint8Array, at: number): number {
  const text = `${bytes[at]! + bytes[at + 1]! * 256 + bytes[at + 2]! * 65536 + bytes[at + 3]! * 16777216}`;
  return Number(text);
}

function readU16(bytes: Uint8Array, at: number): number {
  return Number(`${bytes[at]! | (bytes[at + 1]! << 8)}`);
}

export function decodeFieldsByHand(bytes: Uint8Array, rules: Rules): Record<string, unknown> {
  let country = "";
  country += String.fromCharCode(bytes[6]!);
  country += String.fromCharCode(bytes[7]!);
  let name = "";
  for (let i = NAME_OFFSET; i < PAYLOAD_BYTES && bytes[i] !== 0; i++) name += String.fromCharCode(bytes[i]!);
  const fields = {
    account: readU32(bytes, 0),
    segment: readU16(bytes, 4),
    country: findCountryRule(rules, country).code,
    tier: findTierRule(rules, bytes[8]!).name,
    score: Number(`${readU16(bytes, 10) / 10000}`),
    tags: sortTagsByPriority(rules, readU32(bytes, 12)),
    since: `${isoSeconds(readU32(bytes, 16))}`,
    name: `${name}`,
  };
  return { ...fields };
}
