/**
 * Usage: bun bench/servers/timed-calls.ts [--port 0]
 *
 * The Elysia echo's answer (`{"results": <the body's events>}`), built by a
 * bare Bun.serve handler that makes, once per request and in the order the
 * service makes them, each runtime call our hot path adds to a request, and
 * times each one with Bun.nanoseconds(). Bun hands Elysia's routes to this
 * same native router, so these are the calls as the service pays them.
 * `GET /costs` answers the totals since the last `GET /costs` (and resets
 * them): requests timed, and for each call the nanoseconds summed over them.
 * Driven by bench/request-costs.ts; it prints the service's ready line
 * (without an admin port) so the same spawner starts it.
 *
 * A first read is timed as such: `request.headers` builds the Headers object
 * from the parsed request the first time it is read, `request.url` its string,
 * `request.signal` its AbortSignal; later reads are cached.
 */
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { port: { type: "string", default: "0" }, help: { type: "boolean", short: "h" } } });
if (values.help) {
  process.stdout.write("Usage: bun bench/servers/timed-calls.ts [--port 0]\n\nAn echo that times each runtime call the service's hot path makes per request; GET /costs reads and resets the totals.\n");
  process.exit(0);
}

/** The timed calls, in the order a request makes them; each row's time includes one Bun.nanoseconds() read (the `clock` row). */
const CALLS = [
  "clock",
  "request.url",
  "request.headers",
  "headers.get ×3",
  "request.signal",
  "signal.aborted",
  "WeakMap set+get",
  "setTimeout+clearTimeout",
  "request.bytes()",
  "TextDecoder fatal decode",
  "JSON.parse",
  "JSON.stringify + encode",
  "new Response(bytes, {headers})",
] as const;

const totals = new Float64Array(CALLS.length);
let requests = 0;
const JSON_HEADERS = { "content-type": "application/json" };
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();
const side = new WeakMap<Request, number>();
let sink = 0;

async function enrich(request: Request): Promise<Response> {
  const d = new Float64Array(CALLS.length);
  let k = 0;
  let last = Bun.nanoseconds();
  // One lap per call, in CALLS order; the clock read itself is the `clock` row (an empty lap).
  const lap = () => {
    const now = Bun.nanoseconds();
    d[k++] = now - last;
    last = now;
  };
  lap();
  sink += request.url.length;
  lap();
  const headers = request.headers;
  lap();
  sink += (headers.get("x-request-start") ?? "").length + (headers.get("content-length") ?? "").length + (headers.get("content-type") ?? "").length;
  lap();
  const signal = request.signal;
  lap();
  if (signal.aborted) sink++;
  lap();
  side.set(request, sink);
  sink += side.get(request)! & 1;
  lap();
  clearTimeout(setTimeout(() => {}, 10_000));
  lap();
  const reading = request.bytes();
  lap();
  const bytes = await reading;
  // The wait for the body is not a call's cost: the clock restarts after it.
  last = Bun.nanoseconds();
  const text = utf8.decode(bytes);
  lap();
  const body = JSON.parse(text) as { events?: unknown[] };
  lap();
  const answer = encoder.encode(JSON.stringify({ results: body.events ?? [] }));
  lap();
  const response = new Response(answer, { headers: JSON_HEADERS });
  lap();
  for (let j = 0; j < CALLS.length; j++) totals[j]! += d[j]!;
  requests++;
  return response;
}

const server = Bun.serve({
  port: Number(values.port),
  hostname: "127.0.0.1",
  routes: {
    "/enrich": { POST: enrich },
    "/healthz": () => Response.json({ ok: true, variant: "timed-calls" }),
    "/costs": () => {
      const ns = Object.fromEntries(CALLS.map((c, k) => [c, totals[k]!]));
      const out = Response.json({ requests, ns, sink: sink & 1 });
      totals.fill(0);
      requests = 0;
      return out;
    },
  },
});
process.stderr.write(`timed-calls[0]: serving http://127.0.0.1:${server.port} (Bun.serve, the echo with each hot-path call timed)\n`);
process.on("SIGTERM", () => process.exit(0));
