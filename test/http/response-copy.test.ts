/**
 * What v21-lent-answer stands on: Bun copies a byte body when the Response is
 * constructed, so a buffer handed to `new Response` may be written again as
 * soon as the constructor returns. If a Bun upgrade made the body a view of
 * the caller's memory, these fail, and v21 must go back to a fresh array.
 */
import { expect, test } from "bun:test";

test("a Uint8Array view's bytes are copied when the Response is constructed", async () => {
  const buffer = new Uint8Array(300_000).fill(0x41);
  const res = new Response(buffer.subarray(10, 200_010));
  buffer.fill(0x42);
  const text = await res.text();
  expect(text.length).toBe(200_000);
  expect(text.includes("B")).toBe(false);
});

test("a served body larger than the socket's buffer is the bytes at construction, even if the buffer is written right after", async () => {
  const shared = new Uint8Array(4_000_000).fill(0x41);
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch() {
      const res = new Response(shared.subarray(0, 3_000_000));
      shared.fill(0x42);
      return res;
    },
  });
  try {
    const body = new Uint8Array(await (await fetch(`http://127.0.0.1:${server.port}/`)).arrayBuffer());
    expect(body.length).toBe(3_000_000);
    expect(body.indexOf(0x42)).toBe(-1);
  } finally {
    server.stop(true);
  }
});

test("a Response copies a shared Headers instance at construction: changing one answer's headers changes no other's", () => {
  const shared = new Headers({ "content-type": "application/json" });
  const a = new Response("{}", { headers: shared });
  a.headers.set("x-changed", "1");
  const b = new Response("{}", { headers: shared });
  expect([a.headers.get("x-changed"), b.headers.get("x-changed"), shared.get("x-changed"), b.headers.get("content-type")]).toEqual(["1", null, null, "application/json"]);
});
