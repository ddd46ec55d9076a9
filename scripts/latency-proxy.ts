/**
 * Usage: bun scripts/latency-proxy.ts --to HOST:PORT --delay 1ms [--port 0]
 *
 * A TCP proxy on 127.0.0.1 that delivers every chunk `--delay` after it
 * arrived, in order, in both directions: a link with that one-way latency
 * and no bandwidth limit (toxiproxy's "latency" toxic, without jitter). It
 * puts a real Redis one network hop away without touching the loopback
 * interface everyone else uses (no tc/netem). Prints
 * "latency-proxy: listening on 127.0.0.1:PORT" when ready; SIGTERM stops it.
 */
import type { Socket } from "bun";
import { cli, fail } from "../src/cli/args.ts";

const args = cli(process.argv.slice(2), "Usage: bun scripts/latency-proxy.ts --to HOST:PORT --delay 1ms [--port 0]\n\nForwards TCP to --to, each chunk delayed by --delay each way.", {
  to: { kind: "string", help: "upstream HOST:PORT" },
  delay: { kind: "duration", help: "one-way delay of every chunk", default: "1ms" },
  port: { kind: "number", help: "listen port on 127.0.0.1 (0 = any free port)", default: 0 },
});
const m = /^([^:]+):(\d+)$/.exec(args.to ?? "");
if (!m) fail(`--to: expected HOST:PORT, got '${args.to ?? ""}'`);
if (!(args.delay >= 0)) fail(`--delay: expected a duration ≥ 0`);
const [host, port] = [m![1]!, Number(m![2])];

/** One direction of a connection: chunks due at a time, written in order once due (and once the socket takes them). */
class DelayedPipe {
  private queue: { due: number; bytes: Uint8Array }[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private out: Socket<unknown> | null = null;
  private closed = false;

  attach(out: Socket<unknown>): void {
    this.out = out;
    this.pump();
  }

  push(bytes: Uint8Array): void {
    // The socket's buffer is reused after the handler returns: copy.
    this.queue.push({ due: performance.now() + args.delay, bytes: bytes.slice() });
    if (this.timer === undefined) this.arm();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  /** The socket drained: write what it refused before. */
  pump(): void {
    if (!this.out || this.closed) return;
    const now = performance.now();
    while (this.queue.length > 0 && this.queue[0]!.due <= now) {
      const head = this.queue[0]!;
      const n = this.out.write(head.bytes);
      if (n < head.bytes.byteLength) {
        head.bytes = head.bytes.subarray(Math.max(0, n));
        return; // drain() calls pump again
      }
      this.queue.shift();
    }
    this.arm();
  }

  private arm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.queue.length === 0 || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, Math.max(0, this.queue[0]!.due - performance.now()));
  }
}

interface Conn {
  up: DelayedPipe;
  down: DelayedPipe;
  upstream?: Socket<unknown>;
}

const server = Bun.listen<Conn>({
  hostname: "127.0.0.1",
  port: args.port,
  socket: {
    open(client) {
      const c: Conn = { up: new DelayedPipe(), down: new DelayedPipe() };
      client.data = c;
      c.down.attach(client as Socket<unknown>);
      void Bun.connect({
        hostname: host,
        port,
        socket: {
          open(upstream) {
            c.upstream = upstream;
            c.up.attach(upstream);
          },
          data(_, bytes) {
            c.down.push(bytes);
          },
          drain() {
            c.up.pump();
          },
          close() {
            c.up.close();
            client.end();
          },
          error() {
            client.end();
          },
        },
      }).catch(() => client.end());
    },
    data(client, bytes) {
      client.data.up.push(bytes);
    },
    drain(client) {
      client.data.down.pump();
    },
    close(client) {
      client.data.down.close();
      client.data.upstream?.end();
    },
  },
});

process.stderr.write(`latency-proxy: listening on 127.0.0.1:${server.port} → ${host}:${port}, ${args.delay} ms each way\n`);
process.on("SIGTERM", () => {
  server.stop(true);
  process.exit(0);
});
