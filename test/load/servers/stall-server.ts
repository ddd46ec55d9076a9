/**
 * Usage: bun test/load/servers/stall-server.ts [--stall MS] [--every MS] [--first MS]
 *
 * A server that stalls its own event loop: --first ms after the first request
 * (default 500) it blocks for --stall ms (default 1000) with Bun.sleepSync,
 * then again every --every ms (default 2500). Between stalls it answers every
 * POST at once with `{}`. Listens on 127.0.0.1, port 0, and prints the port.
 */
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { stall: { type: "string", default: "1000" }, every: { type: "string", default: "2500" }, first: { type: "string", default: "500" } } });
const stallMs = Number(values.stall);
const everyMs = Number(values.every);
const firstMs = Number(values.first);

let armed = false;
function arm(): void {
  armed = true;
  setTimeout(() => {
    Bun.sleepSync(stallMs);
    setInterval(() => Bun.sleepSync(stallMs), everyMs);
  }, firstMs);
}

const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  async fetch(req) {
    if (!armed) arm();
    await req.arrayBuffer();
    return new Response("{}", { headers: { "content-type": "application/json" } });
  },
});
console.log(server.port);
