/**
 * Usage: bun bench/servers/layers.ts --layer pipeline|app [--variant V] [--index DIR] [--index-impl ts|native] [--port 0]
 *
 * The service taken apart, so the distance between it and the Elysia echo
 * (bench/servers/echo.ts) can be measured layer by layer, side by side in one
 * capacity run (`bun bench/service-capacity.ts --against echo --layers pipeline,app`):
 *
 *   echo            Elysia parses the body and echoes its events
 *   layer-pipeline  the echo, answering with the variant's pipeline instead
 *                   (lookup, decode, serialize): Elysia's own JSON parse, no
 *                   body bounds, no validation, no admission, no tracking.
 *                   A variant that reads its body from the bytes (viewBody,
 *                   v23) reads them here too, as the app does, and Elysia's
 *                   parse is only the fallback for a body it does not view:
 *                   otherwise this layer would pay a JSON.parse the service
 *                   never makes, and sit below the app (FINDINGS.md §40)
 *   layer-app       the service's hot-path app (src/http/app.ts: the bounded
 *                   body reader, the variant's validation, admission control)
 *                   with the variant, but no request tracking, metrics or
 *                   admin port
 *   the service     src/server.ts: all of the above, plus what the admin side
 *                   observes per request (src/admin/requests.ts)
 *
 * Both layers answer the corpora's requests with the service's exact bytes
 * (the capacity run checks them against v0's before it counts anything);
 * pipeline, having no ordered re-parse, moves integer-like attr names first
 * as JSON.parse does, so it is a measurement, never a server.
 * layer-app's admission bounds are the capacity runs' loosened ones
 * (--max-inflight 64, --max-inflight-events 1000000, no loop-stall probe),
 * so the two sides differ only by what the service adds around the app.
 * Not a service: nothing here is for production, it prints the ready line
 * (without an admin port) so the same spawner starts it.
 */
import { Elysia } from "elysia";
import { parseArgs } from "node:util";
import { DEFAULT_LIMITS, SERVICE_DEFAULTS } from "../../src/config.ts";
import { getVariant } from "../../src/enrich/registry.ts";
import type { EnrichContext, EnrichRequest } from "../../src/enrich/variant.ts";
import { Admission } from "../../src/http/admission.ts";
import { createApp } from "../../src/http/app.ts";
import { openIndex } from "../../src/index/open-index.ts";
import { defaultIndexDir } from "../../src/service/default-index.ts";
import { LAYERS, type Layer } from "../capacity/layers.ts";

const USAGE = `Usage: bun bench/servers/layers.ts --layer pipeline|app [--variant V] [--index DIR] [--index-impl ts|native] [--port 0]

The service taken apart, for capacity runs against the echo:
  pipeline  Elysia's JSON parse (or the variant's view of the bytes) and the variant's pipeline, nothing else
  app       the hot-path app (body bounds, validation, admission) without request tracking
`;
const { values } = parseArgs({
  options: {
    layer: { type: "string" },
    variant: { type: "string", default: SERVICE_DEFAULTS.variant },
    index: { type: "string" },
    "index-impl": { type: "string", default: SERVICE_DEFAULTS.indexImpl },
    port: { type: "string", default: "0" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const layer = values.layer as Layer;
if (!LAYERS.includes(layer)) {
  process.stderr.write(`layers: --layer must be one of ${LAYERS.join(", ")}\n\n${USAGE}`);
  process.exit(2);
}
const variant = getVariant(values.variant!);
const impl = values["index-impl"];
if (impl !== "ts" && impl !== "native") {
  process.stderr.write(`layers: --index-impl must be ts or native\n\n${USAGE}`);
  process.exit(2);
}
const index = openIndex(values.index ?? defaultIndexDir(), { impl });
const JSON_HEADERS = { "content-type": "application/json" };

function pipelineApp() {
  const ctx: EnrichContext = { index, limits: DEFAULT_LIMITS };
  const viewBody = variant.viewBody;
  const respond = async (body: unknown) => new Response(await variant.respond(body as EnrichRequest, ctx), { headers: JSON_HEADERS });
  if (viewBody) {
    return new Elysia()
      .post("/enrich", async ({ body }) => respond(body), {
        parse: async ({ request }) => {
          const bytes = await request.bytes();
          return viewBody(bytes, DEFAULT_LIMITS) ?? JSON.parse(new TextDecoder().decode(bytes));
        },
      })
      .get("/healthz", () => ({ ok: true, variant: `layer-pipeline:${variant.name}` }));
  }
  return new Elysia()
    .post("/enrich", async ({ body }) => respond(body))
    .get("/healthz", () => ({ ok: true, variant: `layer-pipeline:${variant.name}` }));
}

const app = layer === "pipeline" ? pipelineApp() : createApp({ index, variant, admission: new Admission({ requests: 64, events: 1_000_000, loopStallMs: 0 }) });
app.listen({ port: Number(values.port), hostname: "127.0.0.1" });
process.stderr.write(`layer-${layer}[0]: serving http://127.0.0.1:${app.server!.port} (${variant.name}, ${layer === "pipeline" ? "Elysia's parse and the pipeline" : "the hot-path app, untracked"})\n`);
process.on("SIGTERM", () => process.exit(0));
