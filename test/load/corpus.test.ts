import { describe, expect, test } from "bun:test";
import { encodeRequests, parseTarget, splitCorpus } from "../../src/load/corpus.ts";
import { LoadError } from "../../src/load/errors.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

describe("corpus", () => {
  test("one body per line; CRLF, blank lines and a missing final newline are handled", () => {
    const c = splitCorpus("x", enc.encode('{"a":1}\r\n\n  \n{"b":2}\n{"c":3}'));
    expect(c.bodies.map((b) => dec.decode(b))).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });
  test("an empty corpus is refused", () => {
    expect(() => splitCorpus("empty.ndjson", enc.encode("\n\n"))).toThrow(LoadError);
  });
  test("requests are laid out as complete HTTP/1.1 POSTs", () => {
    const c = splitCorpus("x", enc.encode('{"events":[]}\n{"e":1}\n'));
    const r = encodeRequests(c, parseTarget("http://127.0.0.1:8080/enrich?x=1"));
    const second = dec.decode(r.buffer.subarray(r.offsets[1], r.offsets[2]));
    expect(second).toBe('POST /enrich?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{"e":1}');
    expect(r.count).toBe(2);
  });
  test("target URLs", () => {
    expect(parseTarget("http://localhost/enrich")).toMatchObject({ hostname: "localhost", port: 80, path: "/enrich", tls: false });
    expect(parseTarget("http://[::1]:9000/")).toMatchObject({ hostname: "::1", port: 9000, host: "[::1]:9000" });
    expect(() => parseTarget("ftp://x/")).toThrow("expected http:// or https://");
    expect(() => parseTarget("not a url")).toThrow("not a URL");
  });
});
