import { describe, expect, test } from "bun:test";
import { cpSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildIndex } from "../../src/index/build.ts";
import { openTsIndex } from "../../src/index/ts-index.ts";
import { builtIndex, scratch } from "../support/fixtures.ts";

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

describe("opening a damaged index fails at once, naming the file and the problem", () => {
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
      expect(() => openTsIndex(dir)).toThrow(message);
    });
  }

  test("a missing directory says how to build one", () => {
    expect(() => openTsIndex("/nonexistent/index")).toThrow(/no such index directory.*bun run gen/);
  });

  test("a data corruption in a large index is left to verify: 'full'", () => {
    const dir = copy();
    poke(join(dir, "payload-000.bin"), 64 + 48 * 2500 + 7, 1);
    expect(() => openTsIndex(dir, { verify: "headers" })).not.toThrow();
    expect(() => openTsIndex(dir, { verify: "full" })).toThrow(/corrupted data/);
  });
});
