/**
 * Usage: bun test/load/servers/lock-server.ts [--service MS]
 *
 * A server capped by its own lock: every request waits for one async lock and
 * holds it across an awaited --service ms (default 10), so requests are served
 * one at a time and the server tops out near 1000/--service requests per
 * second (100/s by default) while its CPU idles. Listens on 127.0.0.1, port 0,
 * and prints the port.
 */
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { service: { type: "string", default: "10" } } });
const serviceMs = Number(values.service);

/** The tail of the lock's queue: each request runs after the one before it has finished. */
let tail: Promise<void> = Promise.resolve();

const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  async fetch(req) {
    await req.arrayBuffer();
    const before = tail;
    let release!: () => void;
    tail = new Promise<void>((r) => (release = r));
    await before;
    try {
      await Bun.sleep(serviceMs);
    } finally {
      release();
    }
    return new Response("{}", { headers: { "content-type": "application/json" } });
  },
});
console.log(server.port);
