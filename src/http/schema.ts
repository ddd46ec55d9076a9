/**
 * The request schema (TypeBox, compiled by Elysia) and the checks a schema
 * cannot express. Shared by every variant, so every variant rejects the same
 * inputs with the same status and path.
 */
import { t } from "elysia";
import type { Limits } from "../config.ts";
import type { EnrichRequest } from "../enrich/variant.ts";
import { badRequest, tooLarge } from "./errors.ts";

/** Canonical unsigned decimal: no sign, no leading zeros, at most 20 digits (range checked separately). */
export const KEY_PATTERN = "^(0|[1-9][0-9]{0,19})$";
const U64_MAX = "18446744073709551615";

/** What each node of the schema says when it fails: one text per node, shared by the TypeBox schema and the one-pass check (one-pass.ts). */
export function schemaMessages(limits: Limits) {
  return {
    body: "body must be a JSON object with an events array",
    events: "events must be an array",
    event: "each event must be an object with a key and attrs",
    key: "key must be an unsigned 64-bit integer as a canonical decimal string",
    attrs: `attrs must be an object of at most ${limits.attrs} string values`,
    attrValue: `attr values must be strings of at most ${limits.attrChars} characters`,
  };
}

// Unknown fields are ignored (additionalProperties), as a forward-compatible API does.
// Every node carries its own `error`: Elysia then never stringifies the offending
// value into its message (a deeply nested value would overflow the stack there).
export function enrichBodySchema(limits: Limits) {
  const m = schemaMessages(limits);
  return t.Object({
    events: t.Array(
      t.Object({
        key: t.String({ pattern: KEY_PATTERN, error: m.key }),
        attrs: t.Record(t.String(), t.String({ maxLength: limits.attrChars, error: m.attrValue }), {
          maxProperties: limits.attrs,
          error: m.attrs,
        }),
      }, { additionalProperties: true, error: m.event }),
      { error: m.events },
    ),
  }, { additionalProperties: true, error: m.body });
}

/**
 * The envelope, checked before schema validation: a batch over the limit is
 * refused (413) before any time is spent validating it, and a non-array
 * `events` is reported at /events (Elysia would coerce an object into an array).
 */
export function checkEnvelope(body: unknown, limits: Limits): void {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw badRequest(schemaMessages(limits).body);
  const events = (body as { events?: unknown }).events;
  if (!Array.isArray(events)) throw badRequest(schemaMessages(limits).events, "/events");
  if (events.length > limits.events) throw tooLarge(`batch of ${events.length} events is over the limit of ${limits.events}`, "/events");
}

/** Ranges the schema cannot state: u64 overflow, attr name length. */
export function checkBeyondSchema(body: EnrichRequest, limits: Limits): void {
  const events = body.events;
  for (let i = 0; i < events.length; i++) {
    const { key, attrs } = events[i]!;
    if (key.length === 20 && key > U64_MAX) throw badRequest(`key ${key} is over 2^64-1`, `/events/${i}/key`);
    for (const name in attrs) {
      if (name.length > limits.attrChars) throw badRequest(`attr names must be at most ${limits.attrChars} characters`, `/events/${i}/attrs/${escapePointer(name.slice(0, 32))}`);
    }
  }
}

/** RFC 6901 escaping for a JSON pointer segment. */
export function escapePointer(segment: string): string {
  return segment.replace(/~/g, "~0").replace(/\//g, "~1");
}
