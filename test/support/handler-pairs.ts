/**
 * What the "variant B answers every body as variant A does, through the
 * handler" tests share: the indexes they run on (each implementation, and the
 * TS index with its payload shards withheld, as they are until verified, so
 * every answer is the JS writer's), the POST, a body with one byte that is
 * not UTF-8 inside a string the form allows, and the comparison itself.
 */
import { expect } from "bun:test";
import type { Index } from "../../src/index/contract.ts";
import { openIndex } from "../../src/index/open-index.ts";
import { implsUnderTest } from "./native.ts";

/** `index` with its payload shards withheld: every answer is then the JS writer's. */
export function withoutShards(index: Index): Index {
  return new Proxy(index, {
    get(target, p) {
      if (p === "payloadShards") return () => null;
      const v = Reflect.get(target, p, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

/** The indexes of `dir` such tests run on, by name. */
export function indexesUnderTest(dir: string): [string, Index][] {
  return [...implsUnderTest().map((impl): [string, Index] => [impl, openIndex(dir, { impl })]), ["ts, shards withheld (the JS writer)", withoutShards(openIndex(dir, { impl: "ts" }))]];
}

/** POSTs `body` to /enrich of an Elysia app (app.handle: no socket). */
function postEnrich(app: { handle(r: Request): Promise<Response> }, body: string | Uint8Array): Promise<Response> {
  return app.handle(new Request("http://localhost/enrich", { method: "POST", headers: { "content-type": "application/json" }, body }));
}

const encoder = new TextEncoder();
/** `text` with the first attr value's first byte replaced by 0xff (not UTF-8): a 400, never a fast path. Unchanged bytes where it has no attr value. */
export function withBadUtf8(text: string): Uint8Array {
  const bytes = encoder.encode(text);
  const at = text.indexOf('"attrs":{"') + 10;
  if (at >= 10) bytes[at] = 0xff;
  return bytes;
}

/**
 * Posts each body to both apps and expects the same status and bytes from `b` as from `a`
 * (the index in the message says which body differed); returns how many `b` answered 200 and how many it refused.
 */
export async function expectSameAnswers(a: { handle(r: Request): Promise<Response> }, b: { handle(r: Request): Promise<Response> }, bodies: Iterable<string | Uint8Array>): Promise<{ answered: number; refused: number }> {
  const counts = { answered: 0, refused: 0 };
  let i = 0;
  for (const body of bodies) {
    const [x, y] = await Promise.all([postEnrich(a, body), postEnrich(b, body)]);
    expect({ i, status: y.status, body: await y.text() }).toEqual({ i, status: x.status, body: await x.text() });
    if (y.status === 200) counts.answered++;
    else counts.refused++;
    i++;
  }
  return counts;
}
