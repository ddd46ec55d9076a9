/**
 * Usage: bun bench/load-capacity.server.ts [--port 18190]
 *
 * The trivial server the load-capacity benchmark measures the instrument
 * against: answers every request with a fixed small JSON body, so the server
 * costs as little as a Bun server can. Prints "ready <port>" when listening.
 */
import { cli } from "../src/cli/args.ts";

const f = cli(process.argv.slice(2), "Usage: bun bench/load-capacity.server.ts [--port 18190]", {
  port: { kind: "number", help: "port on 127.0.0.1 (0 = any free one)", default: 18190 },
});
const BODY = '{"results":[]}';
const server = Bun.serve({
  port: f.port,
  hostname: "127.0.0.1",
  fetch: () => new Response(BODY, { headers: { "content-type": "application/json" } }),
});
console.log(`ready ${server.port}`);
