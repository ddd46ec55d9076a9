import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { answerProblem, checkAnswers, probeBodies, type Probe, v0Answers } from "../../bench/capacity/answers.ts";
import { builtIndex } from "../support/fixtures.ts";
import { GOLDEN_SPEC } from "../golden/spec.ts";

const BODY = '{"events":[{"key":"1","attrs":{"a":"x"}},{"key":"2","attrs":{}}]}';
const RIGHT = '{"results":[{"key":"1","found":false,"attrs":{"a":"x"}},{"key":"2","found":false,"attrs":{}}]}';
const ECHO = '{"results":[{"key":"1","attrs":{"a":"x"}},{"key":"2","attrs":{}}]}';

describe("answerProblem", () => {
  test("the reference bytes, and an echo of the events, are right", () => {
    expect(answerProblem(BODY, 200, RIGHT, { bytes: RIGHT })).toBeNull();
    expect(answerProblem(BODY, 200, ECHO, "echo")).toBeNull();
    // Go's encoder writes a trailing newline and may space differently: an echo is compared as JSON.
    expect(answerProblem(BODY, 200, ECHO.replace(/,/g, ", ") + "\n", "echo")).toBeNull();
  });

  test("names what is wrong", () => {
    expect(answerProblem(BODY, 503, RIGHT, { bytes: RIGHT })).toBe("status 503");
    expect(answerProblem(BODY, 200, "", { bytes: RIGHT })).toBe("the body is not JSON");
    expect(answerProblem(BODY, 200, '{"error":"x"}', { bytes: RIGHT })).toBe("no results array");
    expect(answerProblem(BODY, 200, '{"results":[{}]}', "echo")).toBe("1 results for 2 events");
    expect(answerProblem(BODY, 200, ECHO.replace('"x"', '"y"'), "echo")).toBe("results are not the request's events");
    const wrong = RIGHT.replace('"found":false,"attrs":{}', '"found":false,"attrs":{ }');
    expect(answerProblem(BODY, 200, wrong, { bytes: RIGHT })).toStartWith(`not the reference bytes: they differ at byte ${RIGHT.lastIndexOf("{}") + 1}`);
  });
});

test("probeBodies takes the corpus's first non-empty lines and refuses an empty corpus", () => {
  expect(probeBodies("a\n\nb\nc\nd\ne\n")).toEqual(["a", "b", "c", "d"]);
  expect(probeBodies("a\nb", 1)).toEqual(["a"]);
  expect(() => probeBodies("\n\n")).toThrow("no request bodies");
});

describe("checkAnswers against a fake server", () => {
  // What the fake answers next: the tests switch it.
  let answer = (_body: string) => new Response(RIGHT);
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: async (req) => answer(await req.text()) });
  afterAll(() => server.stop(true));
  const url = `http://127.0.0.1:${server.port}`;
  const probes: Probe[] = [{ body: BODY, expect: { bytes: RIGHT } }, { body: BODY, expect: { bytes: RIGHT } }];

  test("passes a server that answers every probe right", async () => {
    answer = () => new Response(RIGHT);
    await checkAnswers(url, "fake", probes);
  });

  test("fails loudly, naming the server and the probe, on a wrong body", async () => {
    let n = 0;
    answer = () => new Response(++n === 2 ? RIGHT.replace("false", "true") : RIGHT);
    await expect(checkAnswers(url, "fake", probes)).rejects.toThrow(/^fake answered corpus body 2 wrongly \(not the reference bytes/);
  });

  test("fails on a 200 with an empty body, as wrk would count it", async () => {
    answer = () => new Response("");
    await expect(checkAnswers(url, "fake", probes)).rejects.toThrow("fake answered corpus body 1 wrongly (the body is not JSON)");
  });

  test("an echo server must echo the body it was sent", async () => {
    answer = (body) => new Response(JSON.stringify({ results: JSON.parse(body).events }));
    await checkAnswers(url, "echo", [{ body: BODY, expect: "echo" }]);
    answer = () => new Response(ECHO);
    const other = '{"events":[{"key":"3","attrs":{}},{"key":"4","attrs":{}}]}';
    await expect(checkAnswers(url, "echo", [{ body: other, expect: "echo" }])).rejects.toThrow("results are not the request's events");
  });
});

test("v0Answers gives the golden bytes on the golden index", async () => {
  const lines = (f: string) => readFileSync(join(import.meta.dir, "../golden", f), "utf8").trimEnd().split("\n");
  const requests = lines("requests.ndjson").slice(0, 3);
  const got = await v0Answers(builtIndex(GOLDEN_SPEC.entries, GOLDEN_SPEC.seed), requests);
  expect(got).toEqual(lines("responses.ndjson").slice(0, 3));
});
