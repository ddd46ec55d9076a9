/**
 * Usage: bun test/index/native-child.ts open DIR [auto|full|headers]
 *        bun test/index/native-child.ts lifetime DIR
 *
 * The native index's cases that could crash the process, run in a child so a
 * fault is a failed test, not a dead test runner (test/support/native-child.ts
 * spawns it). Prints one JSON line: `open` → {ok, entries} or {ok: false,
 * error}; `lifetime` → what a payload view taken before close() reads after
 * close() and garbage collection, and whether the files were unmapped once no
 * view was left.
 */
import { readFileSync } from "node:fs";
import { openNativeIndex } from "../../src/index/native-index.ts";
import type { VerifyMode } from "../../src/index/open.ts";
import { KeySpace, keyHi, keyLo } from "../../src/domain/keys.ts";

const [cmd, dir, verify] = process.argv.slice(2);
const say = (x: unknown) => console.log(JSON.stringify(x));
const mappings = () => readFileSync("/proc/self/maps", "utf8").split("\n").filter((l) => l.includes(dir!)).length;

if (cmd === "open") {
  try {
    const ix = openNativeIndex(dir!, { verify: (verify as VerifyMode) ?? "auto" });
    say({ ok: true, entries: ix.entries });
    ix.close();
  } catch (e) {
    say({ ok: false, error: (e as Error).message });
  }
} else if (cmd === "lifetime") {
  const ix = openNativeIndex(dir!);
  const ks = new KeySpace(ix.seed);
  ks.keyOf(0);
  const pos = ix.find(keyHi, keyLo);
  let view: Uint8Array | null = ix.payload(pos);
  const before = Array.from(view);
  const mappedOpen = mappings();
  ix.close();
  for (let i = 0; i < 3; i++) Bun.gc(true);
  const after = Array.from(view);
  const his = new Uint32Array([keyHi]), los = new Uint32Array([keyLo]), out = new Int32Array([7]);
  const closed = { find: ix.find(keyHi, keyLo), findBatch: ix.findBatch(his, los, 1, out), out: out[0], payloadThrows: (() => { try { ix.payload(pos); return false; } catch { return true; } })() };
  const mappedWhileViewLives = mappings();
  view = null;
  for (let i = 0; i < 5; i++) Bun.gc(true);
  await Bun.sleep(0);
  Bun.gc(true);
  say({ pos, sameBytesAfterClose: before.every((b, i) => b === after[i]), mappedOpen, mappedWhileViewLives, mappedAfterViewGone: mappings(), closed });
} else {
  console.error("usage: bun test/index/native-child.ts open|lifetime DIR [verify]");
  process.exit(2);
}
