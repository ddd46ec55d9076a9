import { describe, expect, test } from "bun:test";
import { cpSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildIndex } from "../../src/index/build.ts";
import { openTsIndex } from "../../src/index/ts-index.ts";
import { builtIndex, scratch } from "../support/fixtures.ts";
import { implsUnderTest, nativeChild } from "../support/native.ts";
import type { IndexImpl } from "../../src/index/contract.ts";
import type { VerifyMode } from "../../src/index/open.ts";

/** Opens with one implementation; returns the refusal's message, or null if it opened. The native one runs in a child process: a C fault on a damaged file must fail the test, not kill the runner. */
const OPENERS: Record<IndexImpl, (dir: string, verify?: VerifyMode) => string | null> = {
  ts: (dir, verify) => {
    try {
      openTsIndex(dir, { verify }).close();
      return null;
    } catch (e) {
      return (e as Error).message;
    }
  },
  native: (dir, verify) => {
    const r = nativeChild<{ ok: boolean; error?: string }>("open", dir, verify ?? "auto");
    return r.ok ? null : r.error!;
  },
};

/** A private copy of a small index that a test may damage. */
function copy(): string {
  const dst = join(scratch(), "idx");
  cpSync(builtIndex(5_000, 3), dst, { recursive: true });
  return dst;
}

function poke(path: string, offset: number, xor = 0xff): void {
  const bytes = readFileSync(path);
  bytes[offset]! ^= xor;
  writeFileSync(path, bytes);
}

for (const impl of implsUnderTest()) describe(`opening a damaged index fails at once, naming the file and the problem (${impl})`, () => {
  const refusal = OPENERS[impl];
  const cases: [string, (dir: string) => void, RegExp][] = [
    ["truncated payload", (d) => truncateSync(join(d, "payload-000.bin"), 64 + 48 * 100), /payload-000\.bin: truncated/],
    ["truncated below the header", (d) => truncateSync(join(d, "keys-000.bin"), 10), /keys-000\.bin: truncated/],
    ["trailing bytes", (d) => writeFileSync(join(d, "dir.bin"), Buffer.concat([readFileSync(join(d, "dir.bin")), Buffer.alloc(3)])), /dir\.bin: 3 trailing bytes/],
    ["wrong magic", (d) => poke(join(d, "keys-000.bin"), 0), /keys-000\.bin: not an enrich index/],
    ["wrong version", (d) => {
      const p = join(d, "payload-000.bin");
      const b = readFileSync(p);
      b.writeUInt32LE(99, 8);
      writeFileSync(p, b);
    }, /payload-000\.bin: format version 99/],
    ["corrupted header field", (d) => poke(join(d, "payload-000.bin"), 40, 1), /payload-000\.bin: corrupted header/],
    ["corrupted payload byte", (d) => poke(join(d, "payload-000.bin"), 64 + 48 * 2500 + 7, 1), /payload-000\.bin: corrupted data/],
    ["corrupted key byte", (d) => poke(join(d, "keys-000.bin"), 64 + 8 * 4000, 1), /keys-000\.bin: corrupted data/],
    ["corrupted directory", (d) => poke(join(d, "dir.bin"), 64 + 4 * 10, 1), /dir\.bin: corrupted/],
    ["missing shard", (d) => rmSync(join(d, "keys-000.bin")), /keys-000\.bin: missing/],
    ["shard of another index", (d) => {
      const other = join(scratch(), "other");
      buildIndex({ entries: 5_000, seed: 4, out: other });
      cpSync(join(other, "payload-000.bin"), join(d, "payload-000.bin"));
    }, /payload-000\.bin: belongs to another index/],
    ["keys file where payload belongs", (d) => cpSync(join(d, "keys-000.bin"), join(d, "payload-000.bin")), /payload-000\.bin: is a keys file/],
  ];
  for (const [name, damage, message] of cases) {
    test(name, () => {
      const dir = copy();
      damage(dir);
      expect(refusal(dir) ?? "opened").toMatch(message);
      // The C library says it in the same words as format.ts/open.ts.
      if (impl !== "ts") expect(refusal(dir)).toBe(OPENERS.ts(dir));
    });
  }

  test("a missing directory says how to build one", () => {
    expect(refusal("/nonexistent/index") ?? "opened").toMatch(/no such index directory.*bun run gen/);
  });

  test("a data corruption in a large index is left to verify: 'full'", () => {
    const dir = copy();
    poke(join(dir, "payload-000.bin"), 64 + 48 * 2500 + 7, 1);
    expect(refusal(dir, "headers")).toBeNull();
    expect(refusal(dir, "full") ?? "opened").toMatch(/corrupted data/);
  });
});
