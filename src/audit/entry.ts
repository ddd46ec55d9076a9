/**
 * One audit-log entry per answered event, and how it is written: a Redis
 * stream entry (XADD STREAM * field value ...) with the fields
 *
 *   key         the event's key, as sent
 *   found       1 or 0
 *   attrs       the event's attrs as JSON (key order kept)
 *   arrived_ms  when the request reached the handler, epoch ms
 *   request_id  the request's X-Request-Id if it sent a usable one, else one this process made up
 *   event       the event's position in its batch (request_id + event names an event)
 *
 * The stream assigns the entry's ID (`*`): its time part is when Redis wrote it.
 */
import type { EnrichRequest } from "../enrich/variant.ts";

export interface AuditEntry {
  key: string;
  found: boolean;
  /** attrs, already JSON. */
  attrs: string;
  arrivedMs: number;
  requestId: string;
  event: number;
}

/** What an audit stage knows about its request (EnrichContext.audit). */
export interface AuditRequest {
  requestId: string;
  arrivedMs: number;
}

/** The stream fields, in order, as an XADD takes them (xaddArgs and the batch script write them in this order). */
export const ENTRY_FIELDS = ["key", "found", "attrs", "arrived_ms", "request_id", "event"] as const;

/** xaddArgs: the XADD arguments that append `e` to `stream`. */
export function xaddArgs(stream: string, e: AuditEntry): string[] {
  return [stream, "*", "key", e.key, "found", e.found ? "1" : "0", "attrs", e.attrs, "arrived_ms", String(e.arrivedMs), "request_id", e.requestId, "event", String(e.event)];
}

/** entryOf: event `i` of an answered batch, whose result says whether it was found. */
export function entryOf(req: EnrichRequest, results: readonly unknown[], i: number, r: AuditRequest): AuditEntry {
  const event = req.events[i]!;
  return { key: event.key, found: (results[i] as { found: boolean }).found, attrs: JSON.stringify(event.attrs), arrivedMs: r.arrivedMs, requestId: r.requestId, event: i };
}

/** entriesOf: every event of an answered batch, in order. */
export function entriesOf(req: EnrichRequest, results: readonly unknown[], r: AuditRequest): AuditEntry[] {
  const out = new Array<AuditEntry>(req.events.length);
  for (let i = 0; i < out.length; i++) out[i] = entryOf(req, results, i, r);
  return out;
}

/**
 * One request's entries as one string (io-packed-audit), split back into
 * XADDs by the flush's script inside Redis: per event `key US found US attrs RS`
 * (US = \x1f, RS = \x1e). Neither byte can occur in a field: keys are
 * decimal digits, found is 1 or 0, and JSON.stringify escapes every control
 * character. The request's arrival and id travel once, not once per event.
 */
export interface PackedEntries {
  arrivedMs: number;
  requestId: string;
  packed: string;
  /** How many entries `packed` holds. */
  entries: number;
}

export const UNIT_SEPARATOR = "\x1f";
export const RECORD_SEPARATOR = "\x1e";
const FOUND = `${UNIT_SEPARATOR}1${UNIT_SEPARATOR}`;
const MISSED = `${UNIT_SEPARATOR}0${UNIT_SEPARATOR}`;

/** packedOf: every event of an answered batch, as one packed string. */
export function packedOf(req: EnrichRequest, results: readonly unknown[], r: AuditRequest): PackedEntries {
  const events = req.events;
  let packed = "";
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    packed += e.key + ((results[i] as { found: boolean }).found ? FOUND : MISSED) + JSON.stringify(e.attrs) + RECORD_SEPARATOR;
  }
  return { arrivedMs: r.arrivedMs, requestId: r.requestId, packed, entries: events.length };
}

/** unpack: a packed request back into its entries (the script's split, in TypeScript: for tests and tools). */
export function unpack(p: PackedEntries): AuditEntry[] {
  const records = p.packed.split(RECORD_SEPARATOR);
  records.pop();
  return records.map((rec, event) => {
    const [key, found, attrs] = rec.split(UNIT_SEPARATOR) as [string, string, string];
    return { key, found: found === "1", attrs, arrivedMs: p.arrivedMs, requestId: p.requestId, event };
  });
}

/** A stream entry's fields (as XRANGE returns them, flat) back into an object: for tests and tools. */
export function fieldsOf(flat: readonly string[]): Record<string, string> {
  const o: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) o[flat[i]!] = flat[i + 1]!;
  return o;
}
