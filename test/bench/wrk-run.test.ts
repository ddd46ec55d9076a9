import { expect, test } from "bun:test";
import { parseWrk, wrkCommand } from "../../bench/wrk/run.ts";

// wrk 4.2's output for a --latency run, with the +/- Stdev column that ends in "99%"-like figures.
const OUT = `Running 1s test @ http://127.0.0.1:18181
  1 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    99.46us  235.19us   5.00ms   97.55%
    Req/Sec   102.92k    13.44k  115.91k    90.99%
  Latency Distribution
     50%   62.00us
     75%   91.00us
     90%  124.00us
     99%    0.98ms
  112277 requests in 1.10s, 24.38MB read
  Non-2xx or 3xx responses: 277
Requests/sec: 102125.15
Transfer/sec:     22.18MB
`;

test("parseWrk reads the totals, the non-2xx count and the percentile lines, not the stdev column", () => {
  const o = parseWrk(OUT)!;
  expect(o).toEqual({ requests: 112277, seconds: 1.1, rps: 102125.15, non2xx: 277, answeredPerSecond: (112277 - 277) / 1.1, p50: "62.00us", p99: "0.98ms" });
});

test("parseWrk: no totals is a failed run; minutes and milliseconds are seconds", () => {
  expect(parseWrk("unable to connect to 127.0.0.1:1 Connection refused")).toBeNull();
  expect(parseWrk("  600 requests in 1.00m, 1MB read\nRequests/sec: 10.00\n")!.seconds).toBe(60);
  expect(parseWrk("  6 requests in 500.00ms, 1MB read\nRequests/sec: 12.00\n")!.answeredPerSecond).toBe(12);
});

test("wrkCommand: one thread, the corpus script, at least one second", () => {
  expect(wrkCommand({ url: "http://h:1", corpus: "c.ndjson", connections: 32, seconds: 0.2, prefix: ["taskset", "-c", "1"], latency: true })).toEqual(["taskset", "-c", "1", "wrk", "-t1", "-c32", "-d1s", "--latency", "-s", "bench/wrk/post-corpus.lua", "http://h:1", "--", "c.ndjson"]);
});
