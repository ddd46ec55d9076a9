/**
 * Generated batches whose attrs reach every branch of a hand-written JSON
 * writer: escapes, control characters, non-ASCII, lone surrogates,
 * integer-like names in request order, `__proto__`; keys are hits of the
 * given key space or misses at the top of u64.
 */
import type { EnrichRequest } from "../../src/enrich/variant.ts";
import type { Rng } from "../../src/workload/rng.ts";

// Units chosen for the writer's branches: plain ASCII, the two escaped printables, controls, DEL, Latin-1, CJK, a pair, lone halves.
const UNITS = ["a", "Z", "0", " ", "~", '"', "\\", "/", "\n", "\t", "\u0000", "\u001f", "\u007f", "é", "ÿ", "東", "京", "😀", "\ud800", "\udfff", "\u2028"];

function text(rng: Rng, max: number): string {
  let s = "";
  const n = rng.int(max + 1);
  // Most strings stay plain, so the copy path and the fallback are both common.
  const plain = rng.int(3) > 0;
  for (let i = 0; i < n; i++) s += plain ? String.fromCharCode(97 + rng.int(26)) : UNITS[rng.int(UNITS.length)]!;
  return s;
}

/** hostileBatch: `events` events, a quarter of them misses, the rest hits among the first `entries` ranks (keyAt gives a rank's key). */
export function hostileBatch(rng: Rng, events: number, entries: number, keyAt: (rank: number) => string): EnrichRequest {
  const out: EnrichRequest["events"] = [];
  for (let i = 0; i < events; i++) {
    const attrs: Record<string, string> = {};
    const names = rng.int(5);
    for (let j = 0; j < names; j++) attrs[rng.int(6) === 0 ? String(rng.int(20)) : rng.int(12) === 0 ? "__proto__" : text(rng, 8)] = text(rng, 24);
    const key = rng.int(4) === 0 ? String(2n ** 64n - 1n - BigInt(rng.int(1000))) : keyAt(rng.int(entries));
    out.push({ key, attrs });
  }
  return { events: out };
}
