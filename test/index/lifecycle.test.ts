/**
 * The index lifecycle in one process: leases keep a request on the index it
 * started with; reload verifies in a worker and refuses a bad index; the
 * background CRC pass marks shards; a corrupt entry is a 503 from every
 * variant, never a 500 and never its bytes.
 */
import { describe, expect, test } from "bun:test";
import { cpSync, readFileSync, renameSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { VARIANTS } from "../../src/enrich/registry.ts";
import { createApp } from "../../src/http/app.ts";
import { HEADER_BYTES } from "../../src/index/format.ts";
import { IndexRef } from "../../src/index/lifecycle.ts";
import { openTsIndex } from "../../src/index/ts-index.ts";
import { builtIndex, scratch } from "../support/fixtures.ts";

/** A copy of a built index (10,000 entries, shards of 4,096: three shards). */
function copyOf(seed: number): string {
  const dir = join(scratch(), "idx");
  cpSync(builtIndex(10_000, seed, 12), dir, { recursive: true });
  return dir;
}

/** XORs one byte of a file in place (a corruption the header does not describe). */
function flip(file: string, offset: number, mask = 0xff): void {
  const b = readFileSync(file);
  b[offset]! ^= mask;
  writeFileSync(file, b);
}

/** The key at position pos, as the decimal the wire uses. */
function keyAt(dir: string, pos: number): string {
  const words = openTsIndex(dir, { verify: "headers" }).mapped.keys[pos >>> 12]!;
  const i = (pos & 4095) * 2;
  return ((BigInt(words[i + 1]!) << 32n) | BigInt(words[i]!)).toString();
}

const post = (app: ReturnType<typeof createApp>, key: string) =>
  app.handle(new Request("http://localhost/enrich", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ events: [{ key, attrs: {} }] }) }));

describe("IndexRef", () => {
  test("a lease keeps the index it was taken on across a reload; the old index closes when the last lease returns", async () => {
    const a = copyOf(42), b = copyOf(43);
    const ref = new IndexRef(openTsIndex(a), "ts");
    const lease = ref.acquire();
    await ref.reload(b);
    expect({ leased: lease.index.seed, current: ref.current.seed }).toEqual({ leased: 42, current: 43 });
    // Still open: the leased request can read it.
    expect(lease.index.find(0, 0)).toBe(-1);
    const [hi, lo] = [Number(BigInt(keyAt(a, 5)) >> 32n), Number(BigInt(keyAt(a, 5)) & 0xffffffffn)];
    expect(lease.index.find(hi, lo)).toBe(5);
    ref.release(lease);
    // Closed: lookups after close miss.
    expect(lease.index.find(hi, lo)).toBe(-1);
  });

  test("a corrupt new index is refused, the old one keeps serving, and the refusal is recorded", async () => {
    const a = copyOf(42), bad = copyOf(43);
    flip(join(bad, "payload-001.bin"), HEADER_BYTES + 100);
    const ref = new IndexRef(openTsIndex(a), "ts");
    await expect(ref.reload(bad)).rejects.toThrow(/payload-001\.bin: corrupted data/);
    const s = ref.snapshot();
    expect({ seed: ref.current.seed, refused: s.reloads.refused, ok: s.reloads.last?.ok }).toEqual({ seed: 42, refused: 1, ok: false });
  });

  test("one reload at a time", async () => {
    const a = copyOf(42), b = copyOf(43);
    const ref = new IndexRef(openTsIndex(a), "ts");
    const first = ref.reload(b);
    await expect(ref.reload(b)).rejects.toThrow(/already running/);
    await first;
  });
});

describe("background verification", () => {
  test("an index opened without data CRCs is pending, then verified by the worker", async () => {
    const ref = new IndexRef(openTsIndex(copyOf(42), { verify: "headers" }), "ts");
    expect(ref.snapshot().verify).toBe("pending");
    const s = await ref.verifyInBackground();
    expect({ verify: s.verify, done: s.filesVerified === s.filesTotal, failures: s.failures }).toEqual({ verify: "verified", done: true, failures: [] });
  });

  test("a file failing its CRC: that shard's keys are 503 from every variant, the others still served, /healthz 503", async () => {
    const dir = copyOf(42);
    // A name byte: a corruption the per-entry check cannot always see, so only the CRC catches it.
    flip(join(dir, "payload-001.bin"), HEADER_BYTES + 7 * 48 + 30, 0x01);
    const index = openTsIndex(dir, { verify: "headers" });
    const ref = new IndexRef(index, "ts");
    const s = await ref.verifyInBackground();
    expect({ verify: s.verify, failures: s.failures.length }).toEqual({ verify: "failed", failures: 1 });
    for (const [, variant] of VARIANTS) {
      const app = createApp({ index, indexRef: ref, variant });
      const bad = await post(app, keyAt(dir, 4096 + 1));
      const good = await post(app, keyAt(dir, 1));
      expect({ bad: bad.status, good: good.status, path: ((await bad.json()) as { path: string }).path }).toEqual({ bad: 503, good: 200, path: "" });
      expect((await app.handle(new Request("http://localhost/healthz"))).status).toBe(503);
    }
  });
});

describe("files changed under the running service", () => {
  test("a file rewritten in place: its shard answers 503 and the state is failed; one replaced by rename is left to the next reload", async () => {
    const dir = copyOf(42);
    const index = openTsIndex(dir);
    const logs: string[] = [];
    const ref = new IndexRef(index, "ts", (l) => logs.push(l));
    ref.checkFiles();
    expect(ref.snapshot().verify).toBe("verified");
    // In place: same inode, new bytes (what `cp other/payload-001.bin here/` does).
    const file = join(dir, "payload-001.bin");
    const b = readFileSync(file);
    writeFileSync(file, b);
    utimesSync(file, new Date(), new Date(Date.now() + 5_000));
    ref.checkFiles();
    const app = createApp({ index, indexRef: ref, variant: VARIANTS.get("v0")! });
    expect({ verify: ref.snapshot().verify, bad: (await post(app, keyAt(dir, 4096 + 3))).status, good: (await post(app, keyAt(dir, 3))).status }).toEqual({ verify: "failed", bad: 503, good: 200 });
    // By rename: only logged.
    const other = join(dir, "payload-002.bin");
    writeFileSync(`${other}.new`, readFileSync(other));
    renameSync(`${other}.new`, other);
    ref.checkFiles();
    expect({ good: (await post(app, keyAt(dir, 8192 + 3))).status, logged: logs.some((l) => l.includes("payload-002.bin was replaced on disk")) }).toEqual({ good: 200, logged: true });
  });
});

describe("a corrupt entry before its CRC is checked", () => {
  // Offsets in the payload: 8 = tier (255 made v0 throw "no tier rule"), 0 = account (was served silently).
  for (const [what, offset] of [["tier byte", 8], ["account byte", 0]] as const) {
    test(`a ${what} is a 503 from every variant, never a 500 and never the wrong data`, async () => {
      const dir = copyOf(42);
      flip(join(dir, "payload-000.bin"), HEADER_BYTES + 3 * 48 + offset);
      const index = openTsIndex(dir, { verify: "headers" });
      for (const [name, variant] of VARIANTS) {
        const res = await post(createApp({ index, variant }), keyAt(dir, 3));
        const body = (await res.json()) as { error: string; path: string };
        expect({ name, status: res.status, error: body.error.includes("breaks the payload format") }).toEqual({ name, status: 503, error: true });
        // Neighbours are intact and served.
        expect((await post(createApp({ index, variant }), keyAt(dir, 4))).status).toBe(200);
      }
    });
  }
});
