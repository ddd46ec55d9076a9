/**
 * The index lifecycle on the admin port:
 *
 *   POST /admin/reload[?dir=DIR]   verify DIR (default: the directory being served, whose files were
 *                                  replaced by rename) off the event loop and swap it in; 200 with the
 *                                  new index's status, 409 while another reload runs, 422 (and the old
 *                                  index keeps serving) when the new one is refused
 *   GET  /admin/index              the served index: directory, entries, checksum state, reloads
 *
 * and in /metrics: enrich_index_verify_state{state}, enrich_index_files_verified,
 * enrich_index_reloads_total{result}, enrich_index_entries.
 */
import { resolve } from "node:path";
import { Counter, Gauge, type Registry } from "prom-client";
import { ReloadBusyError, type IndexRef } from "../index/lifecycle.ts";

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/** reloadResponse runs one reload and renders its outcome. */
export async function reloadResponse(ref: IndexRef, dir: string | undefined): Promise<Response> {
  const target = resolve(dir ?? ref.current.dir);
  try {
    return json({ ok: true, index: await ref.reload(target) });
  } catch (e) {
    if (e instanceof ReloadBusyError) return json({ ok: false, error: e.message }, 409);
    return json({ ok: false, error: (e as Error).message, index: ref.snapshot() }, 422);
  }
}

/** addIndexRoutes mounts the routes on the admin app (before .listen). */
export function addIndexRoutes<T extends { post: Function; get: Function }>(app: T, ref: IndexRef): T {
  (app.post as (path: string, h: (c: { query: Record<string, string | undefined> }) => unknown) => T).call(app, "/admin/reload", ({ query }) => reloadResponse(ref, query.dir || undefined));
  (app.get as (path: string, h: () => unknown) => T).call(app, "/admin/index", () => json(ref.snapshot()));
  return app;
}

export function registerIndexMetrics(registry: Registry, ref: IndexRef): void {
  new Gauge({
    name: "enrich_index_verify_state",
    help: "1 for the data-checksum state of the served index: verified, pending (background check running), failed, unknown.",
    labelNames: ["state"],
    registers: [registry],
    collect() {
      const s = ref.snapshot().verify;
      for (const state of ["verified", "pending", "failed", "unknown"]) this.set({ state }, state === s ? 1 : 0);
    },
  });
  new Gauge({
    name: "enrich_index_files_verified",
    help: "Index files whose data checksum has been checked (of enrich_index_files).",
    registers: [registry],
    collect() {
      this.set(ref.snapshot().filesVerified);
    },
  });
  new Gauge({
    name: "enrich_index_files",
    help: "Files of the served index.",
    registers: [registry],
    collect() {
      this.set(ref.snapshot().filesTotal);
    },
  });
  new Gauge({
    name: "enrich_index_entries",
    help: "Entries in the served index.",
    registers: [registry],
    collect() {
      this.set(ref.current.entries);
    },
  });
  const seen = { ok: 0, refused: 0 };
  new Counter({
    name: "enrich_index_reloads_total",
    help: "Hot reloads by result: ok (swapped in) or refused (the old index kept serving).",
    labelNames: ["result"],
    registers: [registry],
    collect() {
      const r = ref.snapshot().reloads;
      this.inc({ result: "ok" }, r.ok - seen.ok);
      this.inc({ result: "refused" }, r.refused - seen.refused);
      seen.ok = r.ok;
      seen.refused = r.refused;
    },
  });
}
