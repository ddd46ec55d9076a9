/**
 * The hot path as `bun run serve` builds it, in process and without a socket:
 * a variant behind the HTTP layer and admission control, and, tracked, the
 * admin side's request tracking with the metrics listener every served
 * request feeds. The request carries a Content-Length, as wrk's and the load
 * tool's do, so its body takes the served path (request.bytes()). Shared by
 * bench/suites/served.bench.ts and bench/paired-served.ts.
 */
import { getVariant } from "../../src/enrich/registry.ts";
import { createApp } from "../../src/http/app.ts";
import { Admission } from "../../src/http/admission.ts";
import { createAdminHub } from "../../src/admin/hub.ts";
import { instrumentHotPath } from "../../src/admin/requests.ts";
import { expectedResponse } from "../../oracle/response.ts";
import { benchIndex, requestBatch } from "../suites/fixtures.ts";

export interface Served {
  /** One request answered: its status, its body and how many requests the tracker still holds in flight. */
  answer(): Promise<[number, string, number]>;
  /** What answer() must give: 200, the oracle's bytes, nothing left in flight. */
  expected: [number, string, number];
}

type Fetch = (request: Request) => Response | Promise<Response>;

export function served(variantName: string, tracked: boolean, size = 1): Served {
  const variant = getVariant(variantName);
  const batch = requestBatch(size);
  const hub = createAdminHub({ variant: variant.name, workerId: 0, blockProfileRate: 0, mutexProfileFraction: 0 });
  const app = createApp({ index: benchIndex(), variant, observer: tracked ? hub.tracker : undefined, admission: new Admission() });
  const root = tracked ? instrumentHotPath(app, hub.tracker) : app;
  const fetch = root.fetch.bind(root) as Fetch;
  const init = { method: "POST", headers: { "content-type": "application/json", "content-length": String(Buffer.byteLength(batch.text)) } };
  return {
    async answer() {
      const res = await fetch(new Request("http://bench.local/enrich", { ...init, body: batch.text }));
      return [res.status, await res.text(), hub.tracker.inflight.size];
    },
    expected: [200, expectedResponse(batch.req.events, (_, i) => !batch.miss[i]), 0],
  };
}
