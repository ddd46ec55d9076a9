/**
 * Every registered variant, through the whole handler (app.handle, no socket),
 * must answer every golden request with exactly the committed bytes.
 * Regenerating the golden files: see test/golden/regenerate.ts (almost never).
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { VARIANTS } from "../../src/enrich/registry.ts";
import { createApp } from "../../src/http/app.ts";
import { openIndex } from "../../src/index/open-index.ts";
import { builtIndex } from "../support/fixtures.ts";
import { implsUnderTest } from "../support/native.ts";
import { GOLDEN_SPEC } from "./spec.ts";

const lines = (f: string) => readFileSync(join(import.meta.dir, f), "utf8").trimEnd().split("\n");
const requests = lines("requests.ndjson");
const responses = lines("responses.ndjson");

test("the golden set covers what it claims", () => {
  expect(requests.length).toBe(responses.length);
  const sizes = new Set(requests.map((r) => (JSON.parse(r) as { events: unknown[] }).events.length));
  for (const n of [0, 1, 100, 1000]) expect(sizes.has(n)).toBe(true);
  expect(responses.some((r) => r.includes('"found":false'))).toBe(true);
  expect(responses.some((r) => r.includes('"attrs":{}'))).toBe(true);
});

// Every variant on every Index implementation: the same bytes.
for (const impl of implsUnderTest()) {
  const index = openIndex(builtIndex(GOLDEN_SPEC.entries, GOLDEN_SPEC.seed), { impl });
  for (const [name, variant] of VARIANTS) {
    describe(`variant ${name}, index ${impl}`, () => {
      const app = createApp({ index, variant });
      test("answers every golden request byte for byte", async () => {
        for (let i = 0; i < requests.length; i++) {
          const res = await app.handle(new Request("http://localhost/enrich", { method: "POST", headers: { "content-type": "application/json" }, body: requests[i] }));
          const body = await res.text();
          if (res.status !== 200 || body !== responses[i]) {
            // One readable failure naming the request, rather than a 100 KB diff.
            expect({ request: i, status: res.status, body: body.slice(0, 400) }).toEqual({ request: i, status: 200, body: responses[i]!.slice(0, 400) });
            expect(body).toBe(responses[i]!);
          }
        }
      });
      test("answers concurrent requests correctly (interleaved under its lock)", async () => {
        const picks = [0, 3, 12, 13, 16, 19, 21];
        const got = await Promise.all(picks.map(async (i) => (await app.handle(new Request("http://localhost/enrich", { method: "POST", headers: { "content-type": "application/json" }, body: requests[i] }))).text()));
        expect(got).toEqual(picks.map((i) => responses[i]!));
      });
    });
  }
}
