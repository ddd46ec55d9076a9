/**
 * The native index (native/enrich_index.c behind bun:ffi): the shared Index
 * suite, and in a child process (test/index/native-child.ts) the cases that
 * could crash: payload views outliving close(), and the files opened read-only
 * by a user who could not open them for writing.
 */
import { describe, expect, test } from "bun:test";
import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openNativeIndex } from "../../src/index/native-index.ts";
import { runIndexContract } from "./index-contract.ts";
import { builtIndex, scratch } from "../support/fixtures.ts";
import { decodeHeader, encodeHeader, HEADER_BYTES } from "../../src/index/format.ts";
import { implsUnderTest, nativeChild } from "../support/native.ts";

const native = implsUnderTest().includes("native");

if (native) runIndexContract("native (C via bun:ffi)", (dir) => openNativeIndex(dir));

describe.skipIf(!native)("native index, in a child process", () => {
  test("a payload view taken before close() stays readable after it; the files are unmapped once the last view is garbage", () => {
    const got = nativeChild<{ sameBytesAfterClose: boolean; mappedOpen: number; mappedWhileViewLives: number; mappedAfterViewGone: number; closed: unknown }>("lifetime", builtIndex(5_000, 3));
    expect(got.mappedOpen).toBeGreaterThan(0);
    expect({ ...got, mappedOpen: 0 }).toMatchObject({ sameBytesAfterClose: true, mappedWhileViewLives: got.mappedOpen, mappedAfterViewGone: 0, closed: { find: -1, findBatch: 0, out: -1, payloadThrows: true } });
  });

  /** Rewrites a file of a copied index with `edit` applied to its data and header, checksums recomputed: damage no CRC catches. */
  const forge = (file: string, edit: (data: Uint8Array, h: ReturnType<typeof decodeHeader>) => void) => {
    const dir = join(scratch(), "forged");
    cpSync(builtIndex(5_000, 3), dir, { recursive: true });
    const bytes = new Uint8Array(readFileSync(join(dir, file)));
    const h = decodeHeader(file, bytes);
    const data = bytes.subarray(HEADER_BYTES);
    edit(data, h);
    h.dataCrc = Bun.hash.crc32(data);
    bytes.set(encodeHeader(h), 0);
    writeFileSync(join(dir, file), bytes);
    return dir;
  };
  const refusal = (dir: string) => nativeChild<{ ok: boolean; error?: string }>("open", dir, "full");

  test("a directory forged to pass its checksums with buckets out of order is refused (no lookup may leave the mapping)", () => {
    const dir = forge("dir.bin", (d) => {
      const b = new Uint32Array(d.buffer, d.byteOffset, d.byteLength / 4);
      b[10] = 4_999;
    });
    expect(refusal(dir)).toEqual({ ok: false, error: expect.stringMatching(/dir\.bin: corrupted directory \(bucket 11 starts at \d+, before bucket 10 at 4999\)/) });
  });

  test("a header forged to claim ~2^64 data bytes is refused as truncated, not wrapped around", () => {
    const dir = forge("keys-000.bin", (_, h) => {
      h.dataBytes = 2 ** 64 - 2 ** 11; // the largest double below 2^64: 64 + it wraps a u64
    });
    expect(refusal(dir)).toEqual({ ok: false, error: expect.stringMatching(/keys-000\.bin: truncated/) });
  });

  // Bun.mmap opens O_RDWR: files a user may only read are refused (issue 14 item 3). The C library opens them O_RDONLY.
  const asNobody = process.getuid?.() === 0 && Bun.which("setpriv") !== null;
  test.skipIf(!asNobody)("opens root-owned 0444 files as an unprivileged user", () => {
    const root = mkdtempSync("/tmp/enrich-ro-");
    try {
      const dir = join(root, "idx");
      cpSync(builtIndex(5_000, 3), dir, { recursive: true });
      for (const f of readdirSync(dir)) chmodSync(join(dir, f), 0o444);
      chmodSync(dir, 0o555);
      chmodSync(root, 0o755);
      const r = Bun.spawnSync(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, join(import.meta.dir, "native-child.ts"), "open", dir], { stdout: "pipe", stderr: "pipe", env: { ...process.env, HOME: "/tmp", BUN_INSTALL_CACHE_DIR: "/tmp/enrich-ro-bun-cache" } });
      expect({ exit: r.exitCode, out: r.stdout.toString().trim(), err: r.stderr.toString().slice(0, 400) }).toEqual({ exit: 0, out: JSON.stringify({ ok: true, entries: 5_000 }), err: "" });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
