/**
 * A local stand-in for Pyroscope's ingest API that checks each request the
 * way the server API documents it (grafana.com/docs/pyroscope, "Pyroscope
 * server HTTP API", pprof format): POST /ingest; query `name` (application
 * name, labels in braces), `from` and `until` (Unix seconds, required),
 * `format=pprof`; a multipart/form-data body with the profile in a form file
 * field `profile` and the sample type configuration in `sample_type_config`
 * (JSON: units, aggregation, display-name, sampled per sample type). It
 * answers 400 with the reason for anything else, and keeps what it accepted.
 */
import { decodePprof, readSamples, sampleTypes } from "../../../src/admin/pprof.ts";

const UNITS = new Set(["samples", "objects", "goroutines", "bytes", "lock_samples", "lock_nanoseconds"]);
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_.]*$/;

export interface Accepted {
  app: string;
  labels: Record<string, string>;
  from: number;
  until: number;
  sampleTypes: string[];
  sampleLabels: Record<string, string>[];
  config: Record<string, unknown>;
}

/** checkIngest returns what the request carries, or throws with the first way it breaks the documented API. */
export async function checkIngest(req: Request): Promise<Accepted> {
  const url = new URL(req.url);
  if (req.method !== "POST") throw new Error(`method ${req.method}, expected POST`);
  if (url.pathname !== "/ingest") throw new Error(`path ${url.pathname}, expected /ingest`);
  const q = url.searchParams;
  const name = q.get("name") ?? "";
  const m = /^([^{}]+)\{([^{}]*)\}$/.exec(name) ?? /^([^{}]+)$/.exec(name);
  if (!m) throw new Error(`name '${name}' is not app{label=value,...}`);
  const labels: Record<string, string> = {};
  for (const pair of (m[2] ?? "").split(",").filter(Boolean)) {
    const eq = pair.indexOf("=");
    const [k, v] = [pair.slice(0, eq), pair.slice(eq + 1)];
    if (eq <= 0 || !LABEL_NAME.test(k) || v === "") throw new Error(`label '${pair}' in name is not name=value with a valid name`);
    labels[k] = v;
  }
  const from = Number(q.get("from")), until = Number(q.get("until"));
  if (!q.has("from") || !q.has("until") || !Number.isInteger(from) || !Number.isInteger(until)) throw new Error("from and until must be Unix seconds");
  if (from > until || from < 1e9 || from > 1e10) throw new Error(`from ${from} .. until ${until} is not a window in Unix seconds`);
  if (q.get("format") !== "pprof") throw new Error(`format '${q.get("format")}', expected pprof`);
  if (!(req.headers.get("content-type") ?? "").startsWith("multipart/form-data")) throw new Error(`content-type ${req.headers.get("content-type")}, expected multipart/form-data`);
  const form = await req.formData();
  const profile = form.get("profile");
  if (!(profile instanceof Blob)) throw new Error("no form file field 'profile'");
  const p = decodePprof(new Uint8Array(await profile.arrayBuffer()));
  const types = sampleTypes(p);
  if (types.length === 0 || p.sample.length === 0) throw new Error("the profile has no sample types or no samples");
  const cfgPart = form.get("sample_type_config");
  if (!(cfgPart instanceof Blob)) throw new Error("no form file field 'sample_type_config'");
  const config = JSON.parse(await cfgPart.text()) as Record<string, { units?: string; aggregation?: string; "display-name"?: string; sampled?: unknown }>;
  for (const t of types) {
    const type = t.split("/")[0]!;
    const c = config[type];
    if (!c) throw new Error(`sample_type_config has no entry for sample type '${type}'`);
    if (!UNITS.has(c.units ?? "")) throw new Error(`sample_type_config.${type}.units '${c.units}' is not one Pyroscope knows`);
    if (c.aggregation !== "sum" && c.aggregation !== "average") throw new Error(`sample_type_config.${type}.aggregation must be sum or average`);
    if (typeof c["display-name"] !== "string" || typeof c.sampled !== "boolean") throw new Error(`sample_type_config.${type} needs display-name (string) and sampled (boolean)`);
  }
  return { app: m[1]!, labels, from, until, sampleTypes: types, sampleLabels: readSamples(p).map((s) => s.labels), config };
}

/** startReceiver listens on 127.0.0.1 (free port); `accepted` and `rejected` fill as requests arrive. */
export function startReceiver() {
  const accepted: Accepted[] = [];
  const rejected: string[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      try {
        accepted.push(await checkIngest(req));
        return new Response("", { status: 200 });
      } catch (e) {
        rejected.push((e as Error).message);
        return new Response((e as Error).message, { status: 400 });
      }
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, accepted, rejected, stop: () => server.stop(true) };
}
