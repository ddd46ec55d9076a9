import { beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { KeySpace } from "../../src/domain/keys.ts";
import { scratch } from "../support/fixtures.ts";

const ROOT = join(import.meta.dir, "../..");

async function gen(out: string, ...extra: string[]) {
  await using proc = Bun.spawn([process.execPath, "gen/cli.ts", "--out", out, "--quiet", ...extra], { cwd: ROOT, stderr: "pipe", stdout: "pipe" });
  const code = await proc.exited;
  return { code, stderr: await new Response(proc.stderr).text() };
}

const files = (dir: string) => Object.fromEntries(readdirSync(dir).sort().map((f) => [f, Bun.hash.crc32(readFileSync(join(dir, f)))]));

// Each test writes into its own scratch directory (removed after the run): none reads another's files.
describe("bun run gen", () => {
  const args = ["--entries", "30000", "--seed", "9", "--requests", "40"];

  test("same arguments give byte-identical files; another seed does not", async () => {
    const tmp = scratch();
    expect((await gen(join(tmp, "a"), ...args)).code).toBe(0);
    expect((await gen(join(tmp, "b"), ...args)).code).toBe(0);
    const a = files(join(tmp, "a"));
    expect(Object.keys(a)).toEqual(["default.ndjson", "dir.bin", "fat.ndjson", "keys-000.bin", "payload-000.bin", "thin.ndjson"]);
    expect(files(join(tmp, "b"))).toEqual(a);
    expect((await gen(join(tmp, "c"), "--entries", "30000", "--seed", "10", "--requests", "40")).code).toBe(0);
    const c = files(join(tmp, "c"));
    for (const f of Object.keys(a)) expect(c[f]).not.toBe(a[f]);
  });

  describe("corpora", () => {
    const out = join(scratch(), "a");
    beforeAll(async () => {
      expect((await gen(out, ...args)).code).toBe(0);
    });

    test("request and event counts per mix, ~1% guaranteed misses, string attrs", () => {
      const ks = new KeySpace(9);
      const hits = new Set(Array.from({ length: 30000 }, (_, r) => ks.keyString(r)));
      let events = 0, misses = 0;
      for (const [mix, requests, perRequest] of [["thin", 400, 1], ["default", 40, 100], ["fat", 4, 1000]] as const) {
        const lines = readFileSync(join(out, `${mix}.ndjson`), "utf8").trimEnd().split("\n");
        expect(lines.length).toBe(requests);
        for (const line of lines) {
          const body = JSON.parse(line) as { events: { key: string; attrs: Record<string, string> }[] };
          expect(body.events.length).toBe(perRequest);
          for (const e of body.events) {
            expect(e.key).toMatch(/^(0|[1-9][0-9]{0,19})$/);
            expect(Object.values(e.attrs).every((v) => typeof v === "string")).toBe(true);
            events++;
            if (!hits.has(e.key)) misses++;
          }
        }
      }
      // 12,400 events at 1%: the binomial sd is ~11, so 0.5%..1.5% is > 5 sd either side.
      expect(misses / events).toBeGreaterThan(0.005);
      expect(misses / events).toBeLessThan(0.015);
    });
  });

  test("bad arguments: one clear line, non-zero exit", async () => {
    const tmp = scratch();
    const missing = await gen(join(tmp, "x"));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe("error: --entries and --out are required (see --help)\n");
    const bad = await gen(join(tmp, "x"), "--entries", "ten");
    expect(bad).toEqual({ code: 2, stderr: "error: --entries: expected a number, got 'ten'\n" });
  });
});
