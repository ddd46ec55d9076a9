/**
 * v21's lent answer buffers: the bytes are v20's, however requests interleave
 * through the handler (a buffer is reused only once the HTTP layer has built
 * the Response from it); a buffer comes back through releaseAnswer and is
 * lent again; anything else handed to releaseAnswer is ignored. Where the C
 * library cannot be built, the JS writer answers and nothing is lent.
 */
import { expect, test } from "bun:test";
import { DEFAULT_LIMITS } from "../../src/config.ts";
import { KeySpace } from "../../src/domain/keys.ts";
import { nativeFieldsAvailable, type PositionResults, releaseAnswer, writeAnswer } from "../../src/enrich/ladder/native-fields.ts";
import { v20FiveDigitKeys } from "../../src/enrich/ladder/v20-five-digit-keys.ts";
import { v21LentAnswer } from "../../src/enrich/ladder/v21-lent-answer.ts";
import { answerText } from "../../src/enrich/variant.ts";
import { createApp } from "../../src/http/app.ts";
import { Admission } from "../../src/http/admission.ts";
import { openIndex } from "../../src/index/open-index.ts";
import { Rng } from "../../src/workload/rng.ts";
import { builtIndex } from "../support/fixtures.ts";
import { hostileBatch } from "../support/hostile-batches.ts";
import { implsUnderTest } from "../support/native.ts";

const dir = builtIndex(10_000, 42);
const space = new KeySpace(42);
const keyAt = (rank: number) => space.keyString(rank);

for (const impl of implsUnderTest()) {
  const index = openIndex(dir, { impl });
  // A gate roomy enough for 30 fat batches at once: this test is about lent buffers, not shedding.
  const [v20, v21] = [v20FiveDigitKeys, v21LentAnswer].map((variant) => createApp({ index, variant, admission: new Admission({ requests: 64, events: 1_000_000, queue: 1_000, queueMs: 60_000 }) }));
  const post = (app: typeof v20, body: string) => app.handle(new Request("http://localhost/enrich", { method: "POST", headers: { "content-type": "application/json" }, body }));

  test(`index ${impl}: 300 batches of 1 to 1,500 events, 30 at a time through the handler, answer v20's bytes`, async () => {
    const rng = new Rng(21);
    let ok = 0;
    const bodies = Array.from({ length: 300 }, (_, i) => JSON.stringify(hostileBatch(rng, i % 10 === 0 ? 1_500 : 1 + rng.int(120), 10_000, keyAt)));
    for (let at = 0; at < bodies.length; at += 30) {
      const wave = bodies.slice(at, at + 30);
      const [want, got] = await Promise.all([v20, v21].map((app) => Promise.all(wave.map((b) => post(app, b)))));
      for (let i = 0; i < wave.length; i++) expect({ status: got![i]!.status, body: await got![i]!.text() }).toEqual({ status: want![i]!.status, body: await want![i]!.text() });
      ok += got!.filter((r) => r.status === 200).length;
    }
    // Answered, not refused alike: a comparison of two 4xx or 5xx is no test of the writer.
    expect(ok).toBe(bodies.length);
  });

  test(`index ${impl}: answers not yet handed back are never overwritten, however many are out at once`, async () => {
    const rng = new Rng(22);
    const ctx = { index, limits: DEFAULT_LIMITS };
    const reqs = Array.from({ length: 40 }, () => hostileBatch(rng, 1 + rng.int(200), 10_000, keyAt));
    const want = await Promise.all(reqs.map((r) => v20FiveDigitKeys.respond(r, ctx)));
    // All forty in flight together, none released: each must still hold its own bytes at the end.
    const got = await Promise.all(reqs.map((r) => v21LentAnswer.respond(r, ctx)));
    for (let i = 0; i < reqs.length; i++) expect(answerText(got[i]!)).toBe(answerText(want[i]!));
    for (const a of got) v21LentAnswer.stages.releaseAnswer!(a);
  });

  test.skipIf(!nativeFieldsAvailable())(`index ${impl}: a released buffer is lent again; an unreleased one is not; others are ignored`, () => {
    const results = [{ key: keyAt(3), found: true, attrs: { a: "b" }, pos: index.find(...(Object.values(v20FiveDigitKeys.stages.parseKey(keyAt(3))) as [number, number])) }] as unknown as PositionResults;
    results.index = index;
    const first = writeAnswer(results, true);
    const text = Buffer.from(first).toString();
    const second = writeAnswer(results, true);
    // Not handed back yet: the second answer is in another buffer.
    expect(second.buffer).not.toBe(first.buffer);
    expect(Buffer.from(first).toString()).toBe(text);
    releaseAnswer(first);
    releaseAnswer(first);
    releaseAnswer(new Uint8Array(8));
    releaseAnswer("text");
    const third = writeAnswer(results, true);
    expect(third.buffer).toBe(first.buffer);
    expect(Buffer.from(third).toString()).toBe(text);
    // Released once, lent once: it is not handed out twice.
    expect(writeAnswer(results, true).buffer).not.toBe(first.buffer);
  });
}
