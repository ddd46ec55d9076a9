/**
 * The IO regime joins the doctor's tests: a real capture (scripts/profile's)
 * of io-naive-audit on the default mix, its Redis one network hop away
 * (scripts/latency-proxy.ts, 1 ms each way: a ~100-event batch is ~100
 * sequential round trips, ~200 ms), is diagnosed IO-bound, and the verdict
 * names the audit log's round trips. The bottleneck is made wide so the
 * verdict does not hinge on timing on a shared machine; nothing asserts a
 * latency or a rate.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { writeCorpus } from "../../src/workload/corpus.ts";
import { capture } from "../../scripts/profile/capture.ts";
import { diagnose, downstreamOf } from "../../scripts/profile/doctor.ts";
import { parseProm } from "../../scripts/profile/prom.ts";
import { builtIndex, scratch } from "../support/fixtures.ts";
import { skipWithoutRedis, startRedisAt } from "../support/redis.ts";
import { ENTRIES, SEED, testCapture } from "../profile/support.ts";

test("the audit log's own timing is read per /enrich request from a scrape, and absent without an awaited audit", () => {
  const scrape = (wait: number) =>
    parseProm(
      [
        `enrich_http_request_duration_seconds_sum{route="/enrich",worker="0"} 4`,
        `enrich_http_request_duration_seconds_count{route="/enrich",worker="0"} 100`,
        `enrich_http_request_duration_seconds_sum{route="/healthz",worker="0"} 1`,
        `enrich_audit_wait_seconds_total{worker="0"} ${wait}`,
        `enrich_audit_round_trips_total{worker="0"} 10000`,
      ].join("\n"),
    );
  expect(downstreamOf(scrape(2))).toEqual({ name: "the audit log (Redis XADD)", waitPerRequestMs: 20, shareOfServerTime: 0.5, roundTripsPerRequest: 100 });
  // The batched modes await nothing: no downstream wait to attribute.
  expect(downstreamOf(scrape(0))).toBeNull();
});

describe.skipIf(skipWithoutRedis("the doctor on an io-naive-audit bundle"))("doctor on the naive audit", () => {
  test("io-naive-audit, Redis 1 ms away: IO-bound, and the evidence names the audit log's round trips", async () => {
    await using redis = await startRedisAt({ delayMs: 1 });
    const index = builtIndex(ENTRIES, SEED);
    const corpus = join(scratch(), "default.ndjson");
    writeCorpus({ path: corpus, mix: "default", requests: 200, entries: ENTRIES, seed: SEED });
    const { dir } = await capture(testCapture({ rps: 20, durationMs: 3_000, out: scratch(), name: "io-naive-audit", variant: "io-naive-audit", index, corpus, serverArgs: ["--audit", `${redis.url}/doctor`] }));
    const d = await diagnose(dir);
    expect({ regime: d.regime, namesTheAudit: /awaiting the audit log \(Redis XADD\) in [\d.]+ round trips \([\d.]+ ms each\)/.test(d.because) }).toEqual({ regime: "io", namesTheAudit: true });
    const e = Object.fromEntries(d.evidence.map((x) => [x.name, x]));
    // What decided it: a request's time is mostly neither on the CPU nor waiting for it, and the JS thread is far from busy.
    expect(e["service time neither on CPU nor waiting to run, per request"]!.met).toBe(true);
    expect(e["JS thread on CPU / window"]!.value!).toBeLessThan(0.75);
  }, 120_000);
});
