/**
 * Admission control as /metrics shows it: the sheds by reason, the unread
 * ones among them, the overloaded flag and the bounds in force, read from
 * the gate at scrape time. Time is an injected clock.
 */
import { expect, test } from "bun:test";
import { Registry } from "prom-client";
import { registerAdmissionMetrics } from "../../src/admin/admission-metrics.ts";
import { Admission, WARM_ADMITTED } from "../../src/http/admission.ts";

const req = () => new Request("http://localhost/enrich", { method: "POST" });

/** The value of one exposition line (name with its labels, as rendered), or undefined. */
const valueOf = (text: string, series: string) => {
  const line = text.split("\n").find((l) => l.startsWith(series + " "));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

test("sheds, the unread ones, the overloaded flag and the bounds appear at the next scrape", async () => {
  let t = 1_000;
  const gate = new Admission({ loopStallMs: 20, overloadLoopStallMs: 5, overloadHoldMs: 100 }, () => t).start();
  try {
    const registry = new Registry();
    registerAdmissionMetrics(registry, gate);
    for (let i = 0; i < WARM_ADMITTED; i++) ((await gate.enter(req(), 1)) as { leave(): void }).leave();
    let text = await registry.metrics();
    expect([valueOf(text, 'enrich_http_shed_total{reason="loop_stall"}'), valueOf(text, "enrich_http_shed_unread_total"), valueOf(text, "enrich_admission_overloaded")]).toEqual([0, 0, 0]);

    t = 1_000;
    gate.sampleLoop();
    t += 5 + 21;
    // One shed at arrival (unread), one after its body was read.
    expect(() => gate.checkpoint(req(), true)).toThrow();
    expect(() => gate.checkpoint(req(), false, true)).toThrow();
    text = await registry.metrics();
    expect([valueOf(text, 'enrich_http_shed_total{reason="loop_stall"}'), valueOf(text, "enrich_http_shed_unread_total"), valueOf(text, "enrich_admission_overloaded")]).toEqual([2, 1, 1]);
    expect(valueOf(text, "enrich_admission_admitted_total")).toBe(WARM_ADMITTED);
    expect([valueOf(text, 'enrich_admission_limit{limit="loop_stall_ms"}'), valueOf(text, 'enrich_admission_limit{limit="overload_loop_stall_ms"}'), valueOf(text, 'enrich_admission_limit{limit="overload_hold_ms"}')]).toEqual([20, 5, 100]);

    // 100 ms after the last loop_stall shed the flag is down again; the counters keep their totals.
    t += 100;
    text = await registry.metrics();
    expect([valueOf(text, 'enrich_http_shed_total{reason="loop_stall"}'), valueOf(text, "enrich_http_shed_unread_total"), valueOf(text, "enrich_admission_overloaded")]).toEqual([2, 1, 0]);
  } finally {
    gate.stop();
  }
});
