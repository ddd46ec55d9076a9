/**
 * The audit log in /metrics, read from the sink at scrape time (no
 * per-request cost):
 *
 *   enrich_audit_written_total            entries Redis acknowledged (each one stream entry)
 *   enrich_audit_failed_total             XADDs that failed (Redis down, connection lost, error reply)
 *   enrich_audit_shed_total               requests answered 503 because their entries could not be written (awaited modes)
 *   enrich_audit_accepted_total           entries the batched writer took (its requests were answered)
 *   enrich_audit_dropped_total{reason}    accepted or offered entries never written: buffer_full, shutdown
 *   enrich_audit_buffered                 entries accepted and not yet acknowledged (waiting or in flight)
 *   enrich_audit_round_trips_total        writes sent to Redis: one per XADD awaited alone, one per pipelined batch or flush
 *   enrich_audit_wait_seconds_total       time requests spent awaiting the audit log (awaited modes: the IO wait)
 *   enrich_audit_reconnects_total         connections re-established after a loss
 *   enrich_audit_redis_up                 1 while connected
 *
 * Batched mode: answered events = accepted + dropped{buffer_full}, and
 * accepted = written + dropped{shutdown} + buffered at every scrape.
 */
import { Counter, Gauge, type Registry } from "prom-client";
import type { AuditSink } from "./sink.ts";

type Reading = () => number;

export function registerAuditMetrics(registry: Registry, sink: AuditSink): void {
  const log = sink.log.counts;
  const w = () => sink.writerCounts();
  const counter = (name: string, help: string, read: Reading) => {
    let seen = 0;
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        const now = read();
        this.inc(now - seen);
        seen = now;
      },
    });
  };
  counter("enrich_audit_written_total", "Audit entries Redis acknowledged (each is one entry in the stream).", () => log.written);
  counter("enrich_audit_failed_total", "Audit XADDs that failed: Redis down, connection lost, or an error reply.", () => log.failed);
  counter("enrich_audit_shed_total", "Requests answered 503 because their audit entries could not be written (awaited audit modes).", () => sink.shed);
  counter("enrich_audit_accepted_total", "Audit entries the batched writer accepted (their requests were answered).", () => w().accepted);
  counter("enrich_audit_round_trips_total", "Writes sent to Redis: one per XADD awaited alone, one per pipelined batch or batched flush.", () => log.roundTrips);
  counter("enrich_audit_wait_seconds_total", "Time requests spent awaiting the audit log (awaited modes), seconds.", () => sink.waitMs / 1e3);
  counter("enrich_audit_reconnects_total", "Connections to Redis re-established after a loss.", () => log.reconnects);
  const seenDropped = { buffer_full: 0, shutdown: 0 };
  new Counter({
    name: "enrich_audit_dropped_total",
    help: "Audit entries of answered events never written, by reason: buffer_full (the batched writer's bound), shutdown (unwritten when the drain ended).",
    labelNames: ["reason"],
    registers: [registry],
    collect() {
      const dropped = w().dropped;
      for (const reason of ["buffer_full", "shutdown"] as const) {
        this.inc({ reason }, dropped[reason] - seenDropped[reason]);
        seenDropped[reason] = dropped[reason];
      }
    },
  });
  new Gauge({
    name: "enrich_audit_buffered",
    help: "Audit entries accepted by the batched writer and not yet acknowledged by Redis.",
    registers: [registry],
    collect() {
      this.set(w().buffered);
    },
  });
  new Gauge({
    name: "enrich_audit_redis_up",
    help: "1 while the audit log's connection to Redis is up.",
    registers: [registry],
    collect() {
      this.set(sink.log.up ? 1 : 0);
    },
  });
}
