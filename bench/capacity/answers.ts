/**
 * wrk counts answers, not whether they are right: a server that answers 200
 * with the wrong bytes (or an empty body) would be measured as fast. Before
 * any wrk run, bench/service-capacity.ts sends a few corpus bodies to every
 * server it measures and refuses to go on unless each answer is what that
 * server must say: an enrich variant the bytes v0 gives in-process, an echo
 * the body's events.
 */
import { createApp } from "../../src/http/app.ts";
import { getVariant } from "../../src/enrich/registry.ts";
import { openTsIndex } from "../../src/index/ts-index.ts";

/** What one answer must be: these exact bytes, or the request's events echoed as `results`. */
export type Expect = { bytes: string } | "echo";

export interface Probe {
  body: string;
  expect: Expect;
}

/** Bodies probed per server: the corpus's first lines (each wrk run starts at one of them too). */
export const PROBE_BODIES = 4;

/** The first `n` bodies of an ndjson corpus. */
export function probeBodies(corpusText: string, n = PROBE_BODIES): string[] {
  const out: string[] = [];
  for (const line of corpusText.split("\n")) {
    if (out.length === n) break;
    if (line) out.push(line);
  }
  if (out.length === 0) throw new Error("the corpus has no request bodies");
  return out;
}

/** What is wrong with one answer, or null when it is right. */
export function answerProblem(body: string, status: number, text: string, expect: Expect): string | null {
  if (status !== 200) return `status ${status}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return "the body is not JSON";
  }
  const results = (parsed as { results?: unknown }).results;
  if (!Array.isArray(results)) return "no results array";
  const events = (JSON.parse(body) as { events: unknown[] }).events;
  if (results.length !== events.length) return `${results.length} results for ${events.length} events`;
  if (expect === "echo") return Bun.deepEquals(results, events, true) ? null : "results are not the request's events";
  if (text !== expect.bytes) {
    // Say where, rather than print two answers of up to a megabyte.
    let i = 0;
    while (i < text.length && text[i] === expect.bytes[i]) i++;
    return `not the reference bytes: they differ at byte ${i} (got …${JSON.stringify(text.slice(Math.max(0, i - 40), i + 40))}…, expected …${JSON.stringify(expect.bytes.slice(Math.max(0, i - 40), i + 40))}…)`;
  }
  return null;
}

/** v0's answers to `bodies` on the index in `dir`, through the whole handler in this process: the control every variant must match byte for byte. */
export async function v0Answers(dir: string, bodies: string[]): Promise<string[]> {
  const app = createApp({ index: openTsIndex(dir, { verify: "headers" }), variant: getVariant("v0") });
  const out: string[] = [];
  for (const body of bodies) {
    const res = await app.handle(new Request("http://localhost/enrich", { method: "POST", headers: { "content-type": "application/json" }, body }));
    const text = await res.text();
    if (res.status !== 200) throw new Error(`v0 in-process answered ${res.status} to a corpus body: ${text.slice(0, 300)}`);
    out.push(text);
  }
  return out;
}

/** POSTs every probe to `url`/enrich; throws, naming the server, the probe and the problem, at the first wrong answer. */
export async function checkAnswers(url: string, name: string, probes: Probe[]): Promise<void> {
  for (let i = 0; i < probes.length; i++) {
    const { body, expect } = probes[i]!;
    const res = await fetch(`${url}/enrich`, { method: "POST", headers: { "content-type": "application/json" }, body });
    const text = await res.text();
    const problem = answerProblem(body, res.status, text, expect);
    if (problem) throw new Error(`${name} answered corpus body ${i + 1} wrongly (${problem}); not measuring it:\n${text.slice(0, 300)}`);
  }
}
