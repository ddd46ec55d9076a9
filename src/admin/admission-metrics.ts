/**
 * Admission control in /metrics, read from the Admission at scrape time (no
 * per-request cost):
 *
 *   enrich_http_shed_total{reason}           requests answered 503 (or dropped) by admission control:
 *                                            queue_full, queue_timeout, deadline, client_gone, loop_stall, body_bytes, draining
 *   enrich_http_shed_unread_total            of those, the ones shed before their body was read
 *   enrich_admission_admitted_total          requests admitted to a variant
 *   enrich_admission_in_progress{unit}       requests / events admitted and not finished
 *   enrich_admission_queued                  requests waiting for admission
 *   enrich_admission_body_bytes_reading      body bytes being read now (the concurrent body budget in use)
 *   enrich_admission_limit{limit}            the bounds in force (requests, events, queue, queue_ms, …)
 */
import { Counter, Gauge, type Registry } from "prom-client";
import { SHED_REASONS, type Admission } from "../http/admission.ts";

export function registerAdmissionMetrics(registry: Registry, admission: Admission): void {
  const seen = admission.stats();
  new Counter({
    name: "enrich_http_shed_total",
    help: "Hot-path requests shed by admission control (503 with Retry-After, or dropped when the client had gone), by reason.",
    labelNames: ["reason"],
    registers: [registry],
    collect() {
      const now = admission.stats();
      for (const reason of SHED_REASONS) {
        const delta = now.shed[reason] - seen.shed[reason];
        // inc(0) makes every reason appear from the first scrape, so rate() has a series to start from.
        this.inc({ reason }, delta);
        seen.shed[reason] = now.shed[reason];
      }
    },
  });
  // Unlabelled totals the gate keeps: each scrape adds what it counted since the last one.
  const totals: [name: string, help: string, field: "shedUnread" | "admitted"][] = [
    ["enrich_http_shed_unread_total", "Of enrich_http_shed_total, the requests shed before their body was read (the rest took their body in first).", "shedUnread"],
    ["enrich_admission_admitted_total", "Hot-path requests admitted to the variant by admission control.", "admitted"],
  ];
  for (const [name, help, field] of totals) {
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        const now = admission.stats()[field];
        this.inc(now - seen[field]);
        seen[field] = now;
      },
    });
  }
  new Gauge({
    name: "enrich_admission_in_progress",
    help: "Work admitted and not finished: unit=requests or unit=events.",
    labelNames: ["unit"],
    registers: [registry],
    collect() {
      const s = admission.stats();
      this.set({ unit: "requests" }, s.requests);
      this.set({ unit: "events" }, s.events);
    },
  });
  new Gauge({
    name: "enrich_admission_overloaded",
    help: "1 while the busy-loop bound is the tight one (a loop_stall shed within overload_hold_ms), else 0.",
    registers: [registry],
    collect() {
      this.set(admission.stats().overloaded ? 1 : 0);
    },
  });
  new Gauge({
    name: "enrich_admission_queued",
    help: "Requests waiting for admission.",
    registers: [registry],
    collect() {
      this.set(admission.stats().queued);
    },
  });
  new Gauge({
    name: "enrich_admission_body_bytes_reading",
    help: "Body bytes reserved by requests whose bodies are being read.",
    registers: [registry],
    collect() {
      this.set(admission.stats().bodyBytes);
    },
  });
  const limit = new Gauge({ name: "enrich_admission_limit", help: "Admission bounds in force (ms for *_ms, bytes for body_bytes).", labelNames: ["limit"], registers: [registry] });
  const l = admission.limits;
  for (const [name, v] of [["requests", l.requests], ["events", l.events], ["queue", l.queue], ["queue_ms", l.queueMs], ["loop_stall_ms", l.loopStallMs], ["overload_loop_stall_ms", l.overloadLoopStallMs], ["overload_hold_ms", l.overloadHoldMs], ["deadline_ms", l.deadlineMs], ["body_bytes", l.bodyBytes], ["body_timeout_ms", l.bodyTimeoutMs]] as const) limit.set({ limit: name }, v);
}
