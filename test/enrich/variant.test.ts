import { expect, test } from "bun:test";
import { derive, type EnrichContext, type EnrichRequest } from "../../src/enrich/variant.ts";
import { getVariant, VARIANTS } from "../../src/enrich/registry.ts";
import { v0 } from "../../src/enrich/v0/index.ts";
import { openTsIndex } from "../../src/index/ts-index.ts";
import { DEFAULT_LIMITS } from "../../src/config.ts";
import { builtIndex } from "../support/fixtures.ts";
import { KeySpace } from "../../src/domain/keys.ts";

const ctx: EnrichContext = { index: openTsIndex(builtIndex(10_000, 42)), limits: DEFAULT_LIMITS };
const ks = new KeySpace(42);

test("derive replaces one stage everywhere the parent's pipeline uses it", async () => {
  const seen: string[] = [];
  const spy = derive(v0, "spy", "records every parsed key", {
    parseKey(key) {
      seen.push(key);
      return v0.stages.parseKey(key);
    },
  });
  const req: EnrichRequest = { events: [{ key: ks.keyString(1), attrs: {} }, { key: "5", attrs: { a: "b" } }] };
  expect(await spy.respond(req, ctx)).toBe(await v0.respond(req, ctx));
  expect(seen).toEqual([ks.keyString(1), "5"]);
  expect({ parent: spy.parent, name: spy.name }).toEqual({ parent: "v0", name: "spy" });
});

test("every registered variant names an existing parent, and the ladder starts at v0", () => {
  const names = [...VARIANTS.keys()];
  expect(names[0]).toBe("v0");
  for (const v of VARIANTS.values()) if (v.parent !== null) expect(names.indexOf(v.parent)).toBeLessThan(names.indexOf(v.name));
  expect(() => getVariant("v99")).toThrow(/unknown variant 'v99' \(known: v0, /);
});

test("stages decode the documented fields", () => {
  const pos = ctx.index.find(...(Object.values(v0.stages.parseKey(ks.keyString(0))) as [number, number]));
  expect(Object.keys(v0.stages.decode(pos, ctx))).toEqual(["account", "segment", "country", "tier", "score", "tags", "since", "name"]);
});
