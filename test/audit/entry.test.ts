/** The packed form of a request's entries (io-packed-audit) holds exactly what the per-entry form does. */
import { expect, test } from "bun:test";
import { entriesOf, packedOf, unpack } from "../../src/audit/entry.ts";
import type { EnrichRequest } from "../../src/enrich/variant.ts";

test("packedOf then unpack gives entriesOf, separator bytes in attrs included", () => {
  const req = { events: [{ key: "7", attrs: { a: "\u001f\u001e", b: "東京" } }, { key: "8", attrs: {} }, { key: "9", attrs: { c: "" } }] } as unknown as EnrichRequest;
  const results = [{ found: true }, { found: false }, { found: true }];
  const scope = { requestId: "r-1", arrivedMs: 1_700_000_000_123 };
  const p = packedOf(req, results, scope);
  expect(p.entries).toBe(3);
  expect(unpack(p)).toEqual(entriesOf(req, results, scope));
});
