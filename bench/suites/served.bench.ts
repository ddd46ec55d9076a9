/**
 * The hot path as `bun run serve` builds it, in process and without a socket
 * (bench/harness/served.ts), for the default variant. Each op is one thin
 * POST /enrich answered.
 *
 *   Served/tracked    instrumentHotPath(createApp(...)).fetch: what a request costs the served process
 *   Served/untracked  the same app's fetch without the tracking: the difference is the admin side's share
 *
 * Unlike Handler (enrich.bench.ts), the request carries a Content-Length, so
 * the body takes the served path (request.bytes(), not the chunked read).
 * Every answer is checked against the oracle's bytes, and the tracker must end
 * every op with nothing in flight.
 */
import { SERVICE_DEFAULTS } from "../../src/config.ts";
import { served } from "../harness/served.ts";
import { expectEqual, type BenchSpec } from "../harness/spec.ts";

function spec(name: string, tracked: boolean): BenchSpec {
  return {
    name: `Served/${name}`,
    batch: 1,
    prepare() {
      const s = served(SERVICE_DEFAULTS.variant, tracked);
      return { run: () => s.answer(), check: (got) => expectEqual("status, body and requests left in flight", got, s.expected) };
    },
  };
}

export function benches(): BenchSpec[] {
  return [spec("tracked", true), spec("untracked", false)];
}
