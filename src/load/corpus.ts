/**
 * Request corpora: ndjson, one complete POST body per line. Bodies are cycled
 * in order (request i sends line i mod n), and every request's bytes — head
 * and body — are laid out once, up front, so sending costs no allocation.
 */
import { LoadError } from "./errors.ts";

/** A corpus: the bodies, as views into the file's bytes. */
export interface Corpus {
  path: string;
  bodies: Uint8Array[];
  bytes: number;
}

/** Reads an ndjson corpus; blank lines are skipped, a missing or empty file is a LoadError. */
export async function loadCorpus(path: string): Promise<Corpus> {
  const file = Bun.file(path);
  if (!(await file.exists())) throw new LoadError(`corpus not found: ${path}`, "corpus");
  return splitCorpus(path, await file.bytes());
}

/** Splits ndjson bytes into bodies (CR before LF and whitespace-only lines dropped). */
export function splitCorpus(path: string, data: Uint8Array): Corpus {
  const bodies: Uint8Array[] = [];
  let start = 0;
  let bytes = 0;
  for (let i = 0; i <= data.length; i++) {
    if (i < data.length && data[i] !== 0x0a) continue;
    let end = i;
    while (end > start && isSpace(data[end - 1]!)) end--;
    let s = start;
    while (s < end && isSpace(data[s]!)) s++;
    if (end > s) {
      bodies.push(data.subarray(s, end));
      bytes += end - s;
    }
    start = i + 1;
  }
  if (bodies.length === 0) throw new LoadError(`corpus is empty: ${path}`, "corpus");
  return { path, bodies, bytes };
}

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;

/** Where a request goes, parsed from --url once. */
export interface Target {
  url: string;
  hostname: string;
  port: number;
  /** The Host header value. */
  host: string;
  /** Path and query. */
  path: string;
  tls: boolean;
}

/** Parses and checks the target URL; throws LoadError on anything but http(s)://host[:port]/path. */
export function parseTarget(url: string): Target {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new LoadError(`--url: not a URL: '${url}'`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new LoadError(`--url: expected http:// or https://, got '${url}'`);
  const tls = u.protocol === "https:";
  const port = u.port ? Number(u.port) : tls ? 443 : 80;
  const hostname = u.hostname.startsWith("[") ? u.hostname.slice(1, -1) : u.hostname;
  return { url: u.href, hostname, port, host: u.host, path: u.pathname + u.search, tls };
}

/** Every request of the corpus as ready-to-write HTTP/1.1 bytes: one buffer, with offsets. */
export interface EncodedRequests {
  buffer: Uint8Array;
  /** Request k occupies buffer[offsets[k] .. offsets[k+1]). */
  offsets: Float64Array;
  count: number;
}

/** Lays out `POST path HTTP/1.1` + headers + body for each corpus line, back to back. */
export function encodeRequests(corpus: Corpus, target: Target): EncodedRequests {
  const enc = new TextEncoder();
  const heads = corpus.bodies.map((b) =>
    enc.encode(`POST ${target.path} HTTP/1.1\r\nHost: ${target.host}\r\nContent-Type: application/json\r\nContent-Length: ${b.length}\r\n\r\n`),
  );
  let total = 0;
  for (let k = 0; k < heads.length; k++) total += heads[k]!.length + corpus.bodies[k]!.length;
  const buffer = new Uint8Array(total);
  const offsets = new Float64Array(heads.length + 1);
  let at = 0;
  for (let k = 0; k < heads.length; k++) {
    offsets[k] = at;
    buffer.set(heads[k]!, at);
    at += heads[k]!.length;
    buffer.set(corpus.bodies[k]!, at);
    at += corpus.bodies[k]!.length;
  }
  offsets[heads.length] = at;
  return { buffer, offsets, count: heads.length };
}
