/** The one ready-line parser every spawned server goes through (scripts/lib/spawn-service.ts). */
import { expect, test } from "bun:test";
import { parseReadyLine } from "../../scripts/lib/spawn-service.ts";

test("the service's line gives both URLs; a purpose-made server's may lack the admin part or add more after it", () => {
  const service = "enrich[0]: starting\nenrich[0]: serving http://127.0.0.1:41234 (variant baseline, index data/default, 3 entries, ts lookup, mapped 5 bytes, opened in 3 ms, ready 40 ms after process start); admin http://127.0.0.1:6060\n";
  expect(parseReadyLine(service)).toEqual({ url: "http://127.0.0.1:41234", adminUrl: "http://127.0.0.1:6060" });
  expect(parseReadyLine("echo[0]: serving http://127.0.0.1:5555 (Elysia, parse and echo)\n")).toEqual({ url: "http://127.0.0.1:5555", adminUrl: "" });
  expect(parseReadyLine("x[0]: serving http://127.0.0.1:1 (unit 5); admin http://127.0.0.1:2; truth http://127.0.0.1:3\n")).toEqual({ url: "http://127.0.0.1:1", adminUrl: "http://127.0.0.1:2" });
});

test("a wildcard host is reached on loopback; an IPv6 host keeps its brackets; no line yet is null", () => {
  expect(parseReadyLine("enrich[0]: serving http://0.0.0.0:80 (v); admin http://[::1]:6060\n")).toEqual({ url: "http://127.0.0.1:80", adminUrl: "http://[::1]:6060" });
  expect(parseReadyLine("enrich[0]: starting\n")).toBeNull();
});
