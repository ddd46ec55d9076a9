/**
 * The default transport: a pool of raw HTTP/1.1 keep-alive connections over
 * Bun.connect, one request in flight per connection, no pipelining. Requests
 * are pre-encoded (corpus.ts), so a send is one write from a shared buffer.
 * Connections open lazily, only when a request finds none idle, up to the
 * limit; a connection that errs or times out is closed, never reused.
 */
import type { Socket, SocketHandler } from "bun";
import type { EncodedRequests, Target } from "../corpus.ts";
import { DONE, ERROR, ResponseParser } from "../http1.ts";
import { preflight } from "./preflight.ts";
import { errorKind, type Sink, type Transport } from "./types.ts";

const CONNECTING = 0, IDLE = 1, BUSY = 2, CLOSED = 3;

class Conn {
  state = CONNECTING;
  socket: Socket<Conn> | null = null;
  /** The request on this connection: corpus index, or −1 when none. */
  req = -1;
  intended = 0;
  /** NaN until the first byte is written. */
  sentAt = NaN;
  /** The current request waits for this connection to open (counted in `connecting`). */
  awaitingOpen = false;
  /** Bytes of the current request still to write after a short write. */
  writeFrom = 0;
  writeEnd = 0;
  readonly parser = new ResponseParser();
}

export class RawTransport implements Transport {
  private readonly idle: Conn[] = [];
  private readonly all = new Set<Conn>();
  private busy = 0;
  private awaitingOpen = 0;
  private peak = 0;
  private openedCount = 0;
  private closed = false;
  private readonly handler: SocketHandler<Conn, "uint8array">;

  constructor(
    private readonly target: Target,
    private readonly requests: EncodedRequests,
    private readonly limit: number,
    private readonly sink: Sink,
  ) {
    if (target.tls) {
      // Not a limitation of the design, just of what was needed; fetch speaks TLS.
      throw new Error("the raw transport speaks plain http only; use --transport fetch for https");
    }
    const self = this;
    this.handler = {
      binaryType: "uint8array", // plain views: no Buffer wrapper per read
      open(s) {
        self.onOpen(s.data, s);
      },
      data(s, buf) {
        self.onData(s.data, buf);
      },
      drain(s) {
        self.write(s.data);
      },
      close(s, err) {
        self.onClose(s.data, err);
      },
      error(s, err) {
        self.onClose(s.data, err);
      },
      connectError(s, err) {
        self.onClose(s.data, err);
      },
    };
  }

  get inFlight() {
    return this.busy;
  }
  get connections() {
    return this.all.size;
  }
  get connecting() {
    return this.awaitingOpen;
  }
  get peakConnections() {
    return this.peak;
  }
  get opened() {
    return this.openedCount;
  }

  preflight(): Promise<void> {
    return preflight(this.target, 5_000);
  }

  available(): boolean {
    return this.idle.length > 0 || this.all.size < this.limit;
  }

  send(i: number, intended: number): void {
    const conn = this.idle.pop() ?? this.connect();
    const k = i % this.requests.count;
    conn.req = k;
    conn.intended = intended;
    conn.sentAt = NaN;
    conn.writeFrom = this.requests.offsets[k]!;
    conn.writeEnd = this.requests.offsets[k + 1]!;
    this.busy++;
    if (conn.state === IDLE) {
      conn.state = BUSY;
      this.write(conn);
    } else {
      conn.awaitingOpen = true;
      this.awaitingOpen++;
    }
  }

  expire(cutoff: number): void {
    let freed = false;
    for (const conn of this.all) {
      if (conn.req < 0 || conn.intended > cutoff) continue;
      const { intended, sentAt } = conn;
      this.drop(conn);
      this.sink.timeout(intended, sentAt, this.sink.now());
      freed = true;
    }
    if (freed) this.sink.freed();
  }

  close(): void {
    this.closed = true;
    for (const conn of this.all) {
      conn.req = -1;
      conn.state = CLOSED;
      conn.socket?.terminate();
    }
    this.all.clear();
    this.idle.length = 0;
    this.busy = 0;
    this.awaitingOpen = 0;
  }

  private connect(): Conn {
    const conn = new Conn();
    this.all.add(conn);
    this.openedCount++;
    if (this.all.size > this.peak) this.peak = this.all.size;
    Bun.connect<Conn>({ hostname: this.target.hostname, port: this.target.port, data: conn, socket: this.handler as unknown as SocketHandler<Conn> }).catch(() => {
      // Reported through connectError; the rejection itself carries nothing more.
    });
    return conn;
  }

  private onOpen(conn: Conn, s: Socket<Conn>): void {
    if (conn.state === CLOSED) {
      s.terminate();
      return;
    }
    conn.socket = s;
    s.setNoDelay?.(true);
    this.stopAwaitingOpen(conn);
    if (conn.req >= 0) {
      conn.state = BUSY;
      this.write(conn);
    } else {
      conn.state = IDLE;
      this.idle.push(conn);
    }
  }

  /** Writes what is left of the current request; the rest goes on `drain`. */
  private write(conn: Conn): void {
    const s = conn.socket;
    if (!s || conn.req < 0 || conn.writeFrom >= conn.writeEnd) return;
    const at = this.sink.now();
    const n = s.write(this.requests.buffer, conn.writeFrom, conn.writeEnd - conn.writeFrom);
    if (n < 0) return this.fail(conn, "closed", "write on a closed connection");
    if (Number.isNaN(conn.sentAt)) {
      conn.sentAt = at;
      this.sink.sent(conn.intended, at);
    }
    conn.writeFrom += n;
  }

  private onData(conn: Conn, buf: Uint8Array): void {
    if (conn.state === CLOSED) return;
    if (conn.req < 0) return this.fail(conn, "protocol", "data with no request in flight");
    const r = conn.parser.feed(buf);
    if (r === DONE) this.complete(conn);
    else if (r === ERROR) this.fail(conn, "protocol", conn.parser.error);
  }

  private complete(conn: Conn): void {
    const at = this.sink.now();
    const { intended, sentAt } = conn;
    const status = conn.parser.status;
    // A server may answer (say 413) before it has read the whole request: the unsent rest would
    // corrupt the next exchange, so such a connection is closed rather than reused.
    const close = conn.parser.close || conn.writeFrom < conn.writeEnd;
    conn.req = -1;
    conn.parser.reset();
    this.busy--;
    if (close || this.closed) this.discard(conn);
    else {
      conn.state = IDLE;
      this.idle.push(conn);
    }
    this.sink.response(intended, sentAt, at, status);
    this.sink.freed();
  }

  private onClose(conn: Conn, err?: Error): void {
    if (conn.state === CLOSED) return;
    if (conn.req >= 0 && conn.parser.eof()) return this.complete(conn); // a body delimited by close
    if (conn.req >= 0) {
      const kind = err ? errorKind(err) : "closed";
      const why = err ? ((err as { code?: string }).code ?? err.message) : "connection closed before the response";
      return this.fail(conn, kind, why);
    }
    this.discard(conn);
  }

  private fail(conn: Conn, kind: string, message: string): void {
    const intended = conn.intended;
    const had = conn.req >= 0;
    const unsent = Number.isNaN(conn.sentAt);
    this.drop(conn);
    if (had) this.sink.transportError(intended, this.sink.now(), kind, message, unsent);
    this.sink.freed();
  }

  /** The connection is no longer opening: its request (if any) stops counting as waiting for it. */
  private stopAwaitingOpen(conn: Conn): void {
    if (!conn.awaitingOpen) return;
    conn.awaitingOpen = false;
    this.awaitingOpen--;
  }

  /** Forgets the connection's request (if any) and closes it. */
  private drop(conn: Conn): void {
    this.stopAwaitingOpen(conn);
    if (conn.req >= 0) {
      conn.req = -1;
      this.busy--;
    }
    this.discard(conn);
  }

  private discard(conn: Conn): void {
    if (conn.state === IDLE) {
      const at = this.idle.indexOf(conn);
      if (at >= 0) this.idle.splice(at, 1);
    }
    conn.state = CLOSED;
    this.all.delete(conn);
    conn.socket?.terminate();
  }
}
