/**
 * The expected answer to a batch, from the formulas alone (formulas.ts) and
 * JSON.stringify — never from a variant: the golden files are written with
 * it (test/golden/regenerate.ts) and the enrich benchmarks check every
 * variant's answer against it, byte for byte.
 */
import * as ref from "./formulas.ts";

export interface OracleEvent {
  key: string;
  attrs: unknown;
}

/** expectedResponse: `{"results":[…]}` for `events`, where `present(key, i)` says whether the index holds event i's key. */
export function expectedResponse(events: readonly OracleEvent[], present: (key: string, i: number) => boolean): string {
  const results = events.map(({ key, attrs }, i) => {
    if (!present(key, i)) return { key, found: false, attrs };
    const f = ref.fields(BigInt(key));
    const since = new Date(f.since * 1000).toISOString().slice(0, 19) + "Z";
    return { key, found: true, attrs, account: f.account, segment: f.segment, country: f.country, tier: f.tier, score: f.score, tags: f.tags, since, name: f.name };
  });
  return JSON.stringify({ results });
}
