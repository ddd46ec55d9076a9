/**
 * Push to a Pyroscope-compatible server, as its server API documents
 * (grafana.com/docs/pyroscope, "Pyroscope server HTTP API", pprof format):
 *
 *   POST <URL>/ingest?name=enrich{commit=…,variant=…,host=…,worker=…}&from=S&until=S&format=pprof
 *   Content-Type: multipart/form-data
 *     profile             the pprof file (gzipped protobuf)
 *     sample_type_config  JSON: units, aggregation, display-name, sampled per sample type
 *
 * `name` is the application name's prefix (Pyroscope appends the profile
 * type) with the labels in braces; `from`/`until` are Unix seconds of the
 * window. Our sample types are not Go's, hence the config: without it
 * Pyroscope would not know that `delay` is lock nanoseconds.
 */
import type { Kind } from "./files.ts";
import type { CaptureLabels } from "./label.ts";

export const APP_NAME = "enrich";

/** Per kind: how Pyroscope should read each of our sample types (units: samples, objects, bytes, lock_samples, lock_nanoseconds). */
export const SAMPLE_TYPE_CONFIG: Record<Kind, Record<string, { units: string; aggregation: "sum" | "average"; "display-name": string; sampled: boolean }>> = {
  cpu: {
    cpu: { units: "samples", aggregation: "sum", "display-name": "cpu", sampled: true },
    samples: { units: "samples", aggregation: "sum", "display-name": "cpu_samples", sampled: false },
  },
  heap: {
    inuse_space: { units: "bytes", aggregation: "average", "display-name": "inuse_space_bytes", sampled: false },
    inuse_objects: { units: "objects", aggregation: "average", "display-name": "inuse_objects_count", sampled: false },
  },
  block: {
    delay: { units: "lock_nanoseconds", aggregation: "sum", "display-name": "block_duration", sampled: false },
    stalls: { units: "lock_samples", aggregation: "sum", "display-name": "block_count", sampled: false },
  },
};

/** Pyroscope label names: a letter or '_' first, then letters, digits, '_' or '.'; values must not break the braces. */
const labelValue = (v: string) => v.replace(/[{}=,"\s]+/g, "-");

/** appName renders `enrich{k=v,…}` with the capture's labels (the time travels as from/until, not as a label). */
export function appName(l: CaptureLabels): string {
  const { time: _time, ...rest } = l;
  return `${APP_NAME}{${Object.entries(rest).map(([k, v]) => `${k}=${labelValue(v)}`).join(",")}}`;
}

/** ingestUrl: the server's /ingest endpoint (URL may be the server's base or /ingest itself) with the documented query. */
export function ingestUrl(base: string, l: CaptureLabels, fromMs: number, untilMs: number, hz: number): URL {
  const u = new URL(base);
  if (!u.pathname.endsWith("/ingest")) u.pathname = `${u.pathname.replace(/\/+$/, "")}/ingest`;
  u.searchParams.set("name", appName(l));
  u.searchParams.set("from", String(Math.floor(fromMs / 1000)));
  u.searchParams.set("until", String(Math.max(Math.floor(fromMs / 1000), Math.ceil(untilMs / 1000))));
  u.searchParams.set("format", "pprof");
  u.searchParams.set("sampleRate", String(hz));
  u.searchParams.set("spyName", "enrich-bun");
  return u;
}

/** pushCapture sends one capture; resolves with the HTTP status, throws on a network error or timeout. */
export async function pushCapture(o: { url: string; kind: Kind; bytes: Uint8Array; labels: CaptureLabels; fromMs: number; untilMs: number; hz: number; timeoutMs: number }): Promise<number> {
  const form = new FormData();
  form.append("profile", new Blob([o.bytes as Uint8Array<ArrayBuffer>], { type: "application/octet-stream" }), `${o.kind}.pb.gz`);
  form.append("sample_type_config", new Blob([JSON.stringify(SAMPLE_TYPE_CONFIG[o.kind])], { type: "application/json" }), "sample_type_config.json");
  const res = await fetch(ingestUrl(o.url, o.labels, o.fromMs, o.untilMs, o.hz), { method: "POST", body: form, signal: AbortSignal.timeout(o.timeoutMs) });
  await res.arrayBuffer();
  return res.status;
}
