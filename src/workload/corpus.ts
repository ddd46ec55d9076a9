/**
 * Request corpora: one complete POST /enrich body per line (ndjson).
 *
 * Keys are drawn Zipfian (s = 1.1) over the index's ranks; about 1% are ranks
 * ≥ N, which are guaranteed misses. Each event carries 0–4 attrs drawn from a
 * pool of realistic pairs (some non-ASCII), in a deterministic order.
 */
import { closeSync, openSync, renameSync, writeSync } from "node:fs";
import { join } from "node:path";
import { KeySpace } from "../domain/keys.ts";
import { Rng } from "./rng.ts";
import { ZipfSampler } from "./zipf.ts";

export const ZIPF_EXPONENT = 1.1;
export const MISS_RATE = 0.01;

export const MIXES = Object.freeze({
  thin: { eventsPerRequest: 1, requestsPerUnit: 10 },
  default: { eventsPerRequest: 100, requestsPerUnit: 1 },
  fat: { eventsPerRequest: 1000, requestsPerUnit: 0.1 },
});
export type MixName = keyof typeof MIXES;

const ATTR_VALUES: Record<string, readonly string[]> = {
  source: ["web", "ios", "android", "api", "batch-import"],
  campaign: ["spring-sale", "black-friday", "retarget-q3", "newsletter-0412", "brand-search"],
  page: ["/checkout", "/cart", "/product/sku-88213", "/search?q=running+shoes", "/account/settings"],
  ua: [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "okhttp/4.12.0",
  ],
  region: ["eu-west-1", "us-east-1", "ap-southeast-2", "sa-east-1"],
  city: ["Zürich", "São Paulo", "東京", "Kraków", "Montréal", "London"],
  locale: ["en-GB", "de-CH", "ja-JP", "pt-BR", "fr-CA"],
  referrer: ["https://www.example.com/", "android-app://com.example.news", ""],
};
const ATTR_NAMES = Object.keys(ATTR_VALUES);

export interface CorpusOptions {
  path: string;
  mix: MixName;
  requests: number;
  entries: number;
  seed: number;
  onProgress?: (fraction: number) => void;
}

/** Writes `requests` request bodies for the mix to `path` (via a .tmp file and a rename). */
export function writeCorpus({ path, mix, requests, entries, seed, onProgress = () => {} }: CorpusOptions): void {
  const { eventsPerRequest } = MIXES[mix];
  // Each mix has its own stream so the thin corpus does not shift when the fat one changes size.
  const rng = new Rng(seed * 31 + MIX_SALT[mix]);
  const zipf = new ZipfSampler(entries, ZIPF_EXPONENT);
  const ks = new KeySpace(seed);
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, "w");
  try {
    let buffer = "";
    for (let r = 0; r < requests; r++) {
      const events: string[] = new Array(eventsPerRequest);
      for (let e = 0; e < eventsPerRequest; e++) {
        const rank = rng.next() < MISS_RATE ? entries + rng.int(2 ** 40) : zipf.sample(rng) - 1;
        events[e] = `{"key":"${ks.keyString(rank)}","attrs":${JSON.stringify(drawAttrs(rng))}}`;
      }
      buffer += `{"events":[${events.join(",")}]}\n`;
      if (buffer.length > 1 << 20) {
        writeSync(fd, buffer);
        buffer = "";
        onProgress(r / requests);
      }
    }
    writeSync(fd, buffer);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  onProgress(1);
}

/** Requests in default.ndjson unless asked otherwise; thin has 10x, fat 1/10x. */
export const DEFAULT_REQUESTS = 2000;

/** Writes all three corpora (thin/default/fat.ndjson) into `dir`, sized from the default mix's request count. */
export function writeCorpora(dir: string, entries: number, seed: number, requests = DEFAULT_REQUESTS, onProgress: (mix: MixName, fraction: number) => void = () => {}): void {
  for (const mix of Object.keys(MIXES) as MixName[]) {
    const n = Math.max(1, Math.round(requests * MIXES[mix].requestsPerUnit));
    writeCorpus({ path: join(dir, `${mix}.ndjson`), mix, requests: n, entries, seed, onProgress: (f) => onProgress(mix, f) });
  }
}

const MIX_SALT: Record<MixName, number> = { thin: 1, default: 2, fat: 3 };

/** drawAttrs: one event's attrs as the corpora draw them (0–4 names, values from ATTR_VALUES, a non-Latin-1 city among them); the bench fixtures draw theirs here too. */
export function drawAttrs(rng: Rng): Record<string, string> {
  const n = rng.int(5);
  const out: Record<string, string> = {};
  for (let i = 0; i < n; i++) {
    const name = rng.pick(ATTR_NAMES);
    out[name] = rng.pick(ATTR_VALUES[name]!);
  }
  return out;
}
