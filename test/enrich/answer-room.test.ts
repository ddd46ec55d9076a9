/**
 * The native answer writer asks for a whole entry's room (the head plus the
 * widest fields) before it writes each event, hit or miss; the buffer is
 * sized from the batch's heads and hits. A batch ending in misses must still
 * fit: each variant answers such a batch as the first request of a fresh
 * process, where no buffer left larger by an earlier answer hides a short
 * estimate (in one shared test process it did: test/http/limits.test.ts
 * failed run alone and passed in the whole suite).
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { builtIndex } from "../support/fixtures.ts";
import { nativeAvailability } from "../../src/index/native-index.ts";

const FIXTURE = join(import.meta.dir, "answer-room.fixture.ts");

// Without the C library these variants write in JS (no room to estimate); implsUnderTest says so loudly elsewhere.
describe.skipIf(!nativeAvailability().ok)("the native answer writer's room", () => {
  const dir = builtIndex(10_000, 42);
  // v16: the writer's own growing buffer; v24: a lent buffer (v21's spares).
  for (const variant of ["v16-native-fields", "v24-thin-unparsed"])
    for (const n of [1, 7, 10_000])
      test(`${variant}: ${n} misses as a fresh process's first answer are served, byte for byte v0's`, () => {
        const r = Bun.spawnSync([process.execPath, FIXTURE, dir, variant, String(n)], { stdout: "pipe", stderr: "pipe" });
        expect({ out: r.stdout.toString(), err: r.exitCode === 0 ? "" : r.stderr.toString().slice(0, 500) }).toEqual({ out: JSON.stringify({ status: 200, sameAsV0: true }), err: "" });
      });
});
