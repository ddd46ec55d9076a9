/**
 * Usage: bun bench/servers/echo.ts [--port 0]
 *
 * The runtime's ceiling for POST /enrich: an Elysia app that parses the JSON
 * body and answers `{"results": <its events>}` — no validation beyond Elysia's
 * JSON parse, no lookup, no decoding. Whatever the service does on top of
 * this is ours to make cheaper; this much is Bun and Elysia's. It prints the
 * service's ready line (without an admin port) so the same spawner starts it.
 */
import { Elysia } from "elysia";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { port: { type: "string", default: "0" }, help: { type: "boolean", short: "h" } } });
if (values.help) {
  process.stdout.write("Usage: bun bench/servers/echo.ts [--port 0]\n\nAn Elysia app that parses POST /enrich bodies and echoes their events: the ceiling for the service.\n");
  process.exit(0);
}
const app = new Elysia()
  .post("/enrich", ({ body }) => ({ results: (body as { events?: unknown[] }).events ?? [] }))
  .get("/healthz", () => ({ ok: true, variant: "echo" }))
  .listen({ port: Number(values.port), hostname: "127.0.0.1" });
process.stderr.write(`echo[0]: serving http://127.0.0.1:${app.server!.port} (Elysia, parse and echo)\n`);
process.on("SIGTERM", () => process.exit(0));
