/**
 * v25-in-turn-answer: respond gives the answer itself where the stages do,
 * the same bytes as v24's promise of it; a stage that throws still ends in
 * the same status through the handler; and an answersInTurn variant whose
 * stages wait (an audit that returns a promise) still answers, once it can.
 */
import { describe, expect, test } from "bun:test";
import { DEFAULT_LIMITS } from "../../src/config.ts";
import { getVariant } from "../../src/enrich/registry.ts";
import { answerText, derive, type EnrichRequest } from "../../src/enrich/variant.ts";
import { createApp } from "../../src/http/app.ts";
import { IndexCorruptError } from "../../src/index/format.ts";
import { openTsIndex } from "../../src/index/ts-index.ts";
import { KeySpace } from "../../src/domain/keys.ts";
import { builtIndex } from "../support/fixtures.ts";

const index = openTsIndex(builtIndex(10_000, 42));
const v24 = getVariant("v24-thin-unparsed");
const v25 = getVariant("v25-in-turn-answer");
// One key of the index (rank 3 of seed 42) and one that misses it.
const req: EnrichRequest = { events: [{ key: new KeySpace(42).keyString(3), attrs: { city: "Zürich" } }, { key: "7", attrs: {} }] };
const post = (app: ReturnType<typeof createApp>, body: string) => app.handle(new Request("http://localhost/enrich", { method: "POST", headers: { "content-type": "application/json" }, body }));

describe("v25-in-turn-answer", () => {
  test("respond gives the answer, not a promise, for a parsed body and for one read from its bytes, v24's byte for byte", async () => {
    const ctx = { index, limits: DEFAULT_LIMITS };
    const bytes = new TextEncoder().encode(JSON.stringify(req));
    // Without the C library no body is viewed; the parsed body is still answered in the turn.
    const view = v25.viewBody?.(bytes, DEFAULT_LIMITS);
    for (const body of view ? [req, view] : [req]) {
      const got = v25.respond(body, ctx);
      expect(got instanceof Promise).toBe(false);
      expect(answerText(got as string | Uint8Array)).toBe(answerText(await v24.respond(req, ctx)));
      v25.stages.releaseAnswer?.(got as Uint8Array);
    }
    expect([v24.answersInTurn, v25.answersInTurn]).toEqual([false, true]);
  });

  test("a stage that throws in the same turn gets the status it gets when it throws in a promise", async () => {
    const boom = () => {
      throw new IndexCorruptError("payload-000.bin", "a planted bad entry");
    };
    const body = JSON.stringify(req);
    const statuses = await Promise.all(
      [v24, v25].map(async (v) => {
        const broken = derive(v, `${v.name}-broken`, "test", { enrichBatch: boom });
        const res = await post(createApp({ index, variant: broken }), body);
        return [res.status, ((await res.json()) as { path: string }).path];
      }),
    );
    expect(statuses[1]).toEqual(statuses[0]!);
    expect(statuses[0]![0]).toBe(503);
  });

  test("an in-turn variant whose audit waits still answers, once it has", async () => {
    let audited = 0;
    const waits = derive(v25, "v25-audit-waits", "test", { audit: () => Promise.resolve().then(() => void audited++) });
    const res = await post(createApp({ index, variant: waits }), JSON.stringify(req));
    expect([res.status, audited]).toEqual([200, 1]);
    expect(await res.text()).toBe(answerText(await v24.respond(req, { index, limits: DEFAULT_LIMITS })));
  });
});
