import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../src/root.ts";
import { type RunningService, spawnService } from "../../scripts/lib/spawn-service.ts";
import { builtIndex } from "../support/fixtures.ts";
import { indexImplOf, layerCommand, parseLayers } from "../../bench/capacity/layers.ts";
import { GOLDEN_SPEC } from "../golden/spec.ts";

// The service taken apart (bench/servers/layers.ts) is only a measurement if each layer answers with the service's bytes.
const lines = (f: string) => readFileSync(join(import.meta.dir, "../golden", f), "utf8").trimEnd().split("\n");
const requests = lines("requests.ndjson");
const responses = lines("responses.ndjson");
const post = (url: string, body: string, type = "application/json") => fetch(`${url}/enrich`, { method: "POST", headers: { "content-type": type }, body });

test("parseLayers reads --layers and names an unknown layer", () => {
  expect(parseLayers("")).toEqual([]);
  expect(parseLayers("pipeline, app")).toEqual(["pipeline", "app"]);
  expect(() => parseLayers("app,kernel")).toThrow("--layers: 'kernel' is not one of pipeline, app");
});

test("the layers are given the service sides' --index-impl", () => {
  expect(indexImplOf(["--max-inflight", "64"])).toBeUndefined();
  expect(indexImplOf(["--index-impl", "native", "--loop-stall", "0"])).toBe("native");
  expect(indexImplOf(["--index-impl=native"])).toBe("native");
  expect(layerCommand("app", "v12-one-pass-validation", "IDX", "native")).toEqual(expect.arrayContaining(["--index-impl", "native"]));
  expect(layerCommand("app", "v12-one-pass-validation", "IDX")).not.toContain("--index-impl");
});

// v23 reads its bodies from their bytes (viewBody): its pipeline layer does too, not Elysia's parse.
for (const [layer, variant] of [["pipeline", "v12-one-pass-validation"], ["app", "v12-one-pass-validation"], ["pipeline", "v23-unparsed-body"]] as const) {
  describe(`layer ${layer} of ${variant}`, () => {
    let s: RunningService;
    beforeAll(async () => {
      const index = builtIndex(GOLDEN_SPEC.entries, GOLDEN_SPEC.seed);
      s = await spawnService([], { command: layerCommand(layer, variant, index) });
    });
    afterAll(() => s?.stop());

    // Without the service's ordered re-parse, JSON.parse moves integer-like attr names first: pipeline's answers keep the bytes only without them.
    const integerLikeName = /"attrs":\{[^}]*"\d+":/;
    // (A body v23 does not view falls back to JSON.parse there too, so its pipeline keeps the same filter.)
    const comparable = requests.flatMap((r, i) => (layer === "app" || !integerLikeName.test(r) ? [i] : []));
    test(`answers ${layer === "app" ? "every golden request" : "the golden requests without integer-like attr names"} with the golden bytes`, async () => {
      expect(comparable.length).toBeGreaterThan(requests.length / 2);
      for (const i of comparable) {
        const res = await post(s.url, requests[i]!);
        expect(res.status).toBe(200);
        expect(await res.text()).toBe(responses[i]!);
      }
    });

    test(layer === "app" ? "keeps the service's HTTP checks (415 for a wrong content type)" : "has none of the service's HTTP checks (a wrong content type is not refused)", async () => {
      const res = await post(s.url, requests[0]!, "text/plain");
      if (layer === "app") {
        expect(res.status).toBe(415);
        expect(await res.json()).toEqual({ error: "content type must be application/json, got 'text/plain'", path: "" });
      } else expect(res.status).not.toBe(415);
    });
  });
}

test("an unknown layer is refused with the usage", () => {
  const r = Bun.spawnSync([process.execPath, join(PROJECT_ROOT, "bench/servers/layers.ts"), "--layer", "kernel"], { stderr: "pipe" });
  expect(r.exitCode).toBe(2);
  expect(r.stderr.toString()).toContain("--layer must be one of pipeline, app");
});
