/**
 * The checks of a parsed body in one pass over its events, for variants whose
 * `validation` is "one-pass": checkEnvelope, the ordered-attrs test and the
 * TypeBox schema (schema.ts) as one loop, with the status, message and path
 * the shared sequence answers — checkEnvelope's, then the first error of
 * Elysia's schema check (TypeBox's `Errors(value).First()`), on the body the
 * ordered parser returns when an attrs object may have been reordered.
 *
 * "The first error" follows TypeBox's walk: per event, not an object; then
 * each missing required property (key, then attrs) before either value is
 * looked at; then the key (a string matching KEY_PATTERN); then the attrs (a
 * non-array object, at most `limits.attrs` own properties, then each value
 * whose name matches the record's key pattern `^(.*)$` — a name with a line
 * terminator is counted but its value is not checked, as in TypeBox — is a
 * string of at most `limits.attrChars` UTF-16 units). test/http/one-pass.test.ts
 * holds it to the schema on generated and mutated bodies.
 */
import type { Limits } from "../config.ts";
import type { EnrichRequest } from "../enrich/variant.ts";
import { type ClientError, badRequest } from "./errors.ts";
import { attrsMayBeReordered, parseOrdered } from "./ordered-json.ts";
import { KEY_PATTERN, checkEnvelope, escapePointer, schemaMessages } from "./schema.ts";

const KEY = new RegExp(KEY_PATTERN);
/** TypeBox's pattern for a t.String() record key (PatternStringExact). */
const RECORD_KEY = /^(.*)$/;

/** A schema failure: its message is looked up only then, so a good body builds none. */
const fail = (limits: Limits, node: keyof ReturnType<typeof schemaMessages>, path: string) => badRequest(schemaMessages(limits)[node], path);

/** The first schema error of event `i`, or null. */
function eventError(e: unknown, i: number, limits: Limits): ClientError | null {
  if (typeof e !== "object" || e === null || Array.isArray(e)) return fail(limits, "event", `/events/${i}`);
  if (!Object.hasOwn(e, "key")) return fail(limits, "key", `/events/${i}/key`);
  if (!Object.hasOwn(e, "attrs")) return fail(limits, "attrs", `/events/${i}/attrs`);
  const { key, attrs } = e as { key: unknown; attrs: unknown };
  if (typeof key !== "string" || !KEY.test(key)) return fail(limits, "key", `/events/${i}/key`);
  if (typeof attrs !== "object" || attrs === null || Array.isArray(attrs)) return fail(limits, "attrs", `/events/${i}/attrs`);
  // One walk: the count decides first (maxProperties comes before the values), then the first bad value.
  let n = 0;
  let bad: string | undefined;
  for (const name in attrs) {
    n++;
    if (bad !== undefined) continue;
    const v = (attrs as Record<string, unknown>)[name];
    if ((typeof v !== "string" || v.length > limits.attrChars) && RECORD_KEY.test(name)) bad = name;
  }
  if (n > limits.attrs) return fail(limits, "attrs", `/events/${i}/attrs`);
  return bad === undefined ? null : fail(limits, "attrValue", `/events/${i}/attrs/${escapePointer(bad)}`);
}

/**
 * checkInOnePass returns the request to answer (the body itself, or its
 * re-parse in source order when some attrs may have been reordered), or
 * throws the ClientError the shared checks would.
 */
export function checkInOnePass(body: unknown, text: string, limits: Limits): EnrichRequest {
  checkEnvelope(body, limits);
  const events = (body as EnrichRequest).events as unknown[];
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    // Up to here no attrs was reordered, so an error is the one the ordered body would give too.
    if (attrsMayBeReordered(e)) return checkOrdered(text, limits);
    const err = eventError(e, i, limits);
    if (err) throw err;
  }
  return body as EnrichRequest;
}

/** The rare path: the schema checked on the source-ordered body, as the shared sequence does. */
function checkOrdered(text: string, limits: Limits): EnrichRequest {
  const ordered = parseOrdered(text) as EnrichRequest;
  const events = ordered.events as unknown[];
  for (let i = 0; i < events.length; i++) {
    const err = eventError(events[i], i, limits);
    if (err) throw err;
  }
  return ordered;
}
