/**
 * The hot path as `bun run serve` builds it, in process and without a socket:
 * the default variant behind the HTTP layer, admission control, and the admin
 * side's request tracking (src/admin/requests.ts, with the metrics listener
 * every served request feeds). Each op is one thin POST /enrich answered.
 *
 *   Served/tracked    instrumentHotPath(createApp(...)).fetch: what a request costs the served process
 *   Served/untracked  the same app's fetch without the tracking: the difference is the admin side's share
 *
 * Unlike Handler (enrich.bench.ts), the request carries a Content-Length, as
 * wrk's and the load tool's do, so the body takes the served path
 * (request.bytes(), not the chunked read). Every answer is checked against
 * the oracle's bytes, and the tracker must end every op with nothing in flight.
 */
import { SERVICE_DEFAULTS } from "../../src/config.ts";
import { getVariant } from "../../src/enrich/registry.ts";
import { createApp } from "../../src/http/app.ts";
import { Admission } from "../../src/http/admission.ts";
import { createAdminHub } from "../../src/admin/hub.ts";
import { instrumentHotPath } from "../../src/admin/requests.ts";
import { expectedResponse } from "../../oracle/response.ts";
import { expectEqual, type BenchSpec } from "../harness/spec.ts";
import { benchIndex, requestBatch } from "./fixtures.ts";

type Fetch = (request: Request) => Response | Promise<Response>;

function spec(name: string, tracked: boolean): BenchSpec {
  return {
    name: `Served/${name}`,
    batch: 1,
    prepare() {
      const variant = getVariant(SERVICE_DEFAULTS.variant);
      const batch = requestBatch(1);
      const expected = expectedResponse(batch.req.events, (_, i) => !batch.miss[i]);
      const hub = createAdminHub({ variant: variant.name, workerId: 0, blockProfileRate: 0, mutexProfileFraction: 0 });
      const app = createApp({ index: benchIndex(), variant, observer: tracked ? hub.tracker : undefined, admission: new Admission() });
      const served = tracked ? instrumentHotPath(app, hub.tracker) : app;
      const fetch: Fetch = served.fetch.bind(served) as Fetch;
      const init = { method: "POST", headers: { "content-type": "application/json", "content-length": String(Buffer.byteLength(batch.text)) } };
      return {
        async run() {
          const res = await fetch(new Request("http://bench.local/enrich", { ...init, body: batch.text }));
          return [res.status, await res.text(), hub.tracker.inflight.size];
        },
        check: (got) => expectEqual("status, body and requests left in flight", got, [200, expected, 0]),
      };
    },
  };
}

export function benches(): BenchSpec[] {
  return [spec("tracked", true), spec("untracked", false)];
}
