/** Helpers for the load tests: tiny corpora in a temp dir and a port nobody listens on. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A fresh temp dir holding `corpus.ndjson` with one single-event body per key, cycled by the harness. */
export function tempCorpus(keys: string[] = ["1", "2", "3"]): { dir: string; corpus: string } {
  const dir = mkdtempSync(join(tmpdir(), "load-test-"));
  const corpus = join(dir, "corpus.ndjson");
  writeFileSync(corpus, keys.map((k) => JSON.stringify({ events: [{ key: k, attrs: {} }] })).join("\n") + "\n");
  return { dir, corpus };
}

/** A 127.0.0.1 port that was free a moment ago (bound, then released). */
export function closedPort(): number {
  const s = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = s.port!;
  s.stop(true);
  return port;
}

/** The first event's key of a POST /enrich body. */
export async function keyOf(req: Request): Promise<string> {
  const body = (await req.json()) as { events: { key: string }[] };
  return body.events[0]!.key;
}
