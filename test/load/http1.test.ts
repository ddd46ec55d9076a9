import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { DONE, ERROR, MORE, ResponseParser } from "../../src/load/http1.ts";

const enc = new TextEncoder();

/** Feeds `text` split at the given cut points; returns each feed's result. */
function feedSplit(p: ResponseParser, text: string, cuts: number[]): number[] {
  const bytes = enc.encode(text);
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: number[] = [];
  let from = 0;
  for (const c of [...points, bytes.length]) {
    if (c <= from) continue;
    out.push(p.feed(bytes.subarray(from, c)));
    from = c;
  }
  return out;
}

const RESPONSES: [string, string, { status: number; close: boolean }][] = [
  ["content-length", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 14\r\n\r\n{\"results\":[]}", { status: 200, close: false }],
  ["chunked", "HTTP/1.1 500 Internal\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1a;ext=1\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: 1\r\n\r\n", { status: 500, close: false }],
  ["empty body", "HTTP/1.1 204 No Content\r\nDate: x\r\n\r\n", { status: 204, close: false }],
  ["connection close", "HTTP/1.1 400 Bad\r\nconnection: close\r\ncontent-length: 2\r\n\r\n{}", { status: 400, close: true }],
  ["100 continue first", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n", { status: 201, close: false }],
  ["HTTP/1.0", "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nabc", { status: 200, close: true }],
];

describe("response parser", () => {
  for (const [name, text, want] of RESPONSES) {
    test(`${name}: complete exactly at the last byte, however the bytes are split`, () => {
      fc.assert(
        fc.property(fc.array(fc.nat(), { maxLength: 8 }), (cuts) => {
          const p = new ResponseParser();
          const results = feedSplit(p, text, cuts);
          expect(results.at(-1)).toBe(DONE);
          expect(results.slice(0, -1).every((r) => r === MORE)).toBe(true);
          expect({ status: p.status, close: p.close }).toEqual(want);
        }),
      );
    });
  }

  test("one byte at a time, then a second response after reset", () => {
    const p = new ResponseParser();
    const text = RESPONSES[1]![1];
    const results = feedSplit(p, text, Array.from({ length: text.length }, (_, i) => i));
    expect(results.at(-1)).toBe(DONE);
    p.reset();
    expect(p.feed(enc.encode(RESPONSES[0]![1]))).toBe(DONE);
    expect(p.status).toBe(200);
  });

  test("a body delimited by close completes on eof", () => {
    const p = new ResponseParser();
    expect(p.feed(enc.encode("HTTP/1.1 200 OK\r\n\r\nsome body"))).toBe(MORE);
    expect(p.eof()).toBe(true);
    expect([p.status, p.close]).toEqual([200, true]);
  });

  test("eof in the middle of a sized body is not a response", () => {
    const p = new ResponseParser();
    expect(p.feed(enc.encode("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"))).toBe(MORE);
    expect(p.eof()).toBe(false);
  });

  test("a head split across reads, then a body far larger than the head limit in the next read", () => {
    const body = "x".repeat(300_000);
    const text = `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const p = new ResponseParser();
    expect(feedSplit(p, text, [20])).toEqual([MORE, DONE]);
    expect(p.status).toBe(200);
  });

  test("a head that really is over 64 KiB is an error", () => {
    const p = new ResponseParser();
    const text = `HTTP/1.1 200 OK\r\nX-Big: ${"a".repeat(70_000)}\r\nContent-Length: 0\r\n\r\n`;
    expect(feedSplit(p, text, [20, 40_000])).toEqual([MORE, MORE, ERROR]);
    expect(p.error).toBe("response head over 64 KiB");
  });

  test.each([
    ["garbage status line", "SMTP ready\r\n\r\n"],
    ["bad content-length", "HTTP/1.1 200 OK\r\nContent-Length: -4\r\n\r\n"],
    ["bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"],
    ["bytes after the response", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nab"],
  ])("%s is an error with a reason", (_, text) => {
    const p = new ResponseParser();
    expect(p.feed(enc.encode(text))).toBe(ERROR);
    expect(p.error.length).toBeGreaterThan(0);
  });
});
