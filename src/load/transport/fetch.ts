/**
 * The alternative transport: Bun's fetch with its own keep-alive pool, at
 * most `limit` requests in flight. It speaks https and is a cross-check on
 * the raw transport; its send time is when fetch() is called, so any queueing
 * inside fetch lands in service time, not send lag.
 */
import type { Corpus, Target } from "../corpus.ts";
import { preflight } from "./preflight.ts";
import { errorKind, type Sink, type Transport } from "./types.ts";

interface InFlight {
  intended: number;
  sentAt: number;
  ctrl: AbortController;
  done: boolean;
}

const HEADERS = { "content-type": "application/json" };

export class FetchTransport implements Transport {
  private readonly live = new Set<InFlight>();
  private peak = 0;

  constructor(
    private readonly target: Target,
    private readonly corpus: Corpus,
    private readonly limit: number,
    private readonly sink: Sink,
  ) {}

  get inFlight() {
    return this.live.size;
  }
  get connections() {
    return this.live.size;
  }
  get connecting() {
    return 0;
  }
  get peakConnections() {
    return this.peak;
  }
  get opened() {
    return this.peak;
  }

  preflight(): Promise<void> {
    return preflight(this.target, 5_000);
  }

  available(): boolean {
    return this.live.size < this.limit;
  }

  send(i: number, intended: number): void {
    const rec: InFlight = { intended, sentAt: this.sink.now(), ctrl: new AbortController(), done: false };
    this.live.add(rec);
    if (this.live.size > this.peak) this.peak = this.live.size;
    this.sink.sent(intended, rec.sentAt);
    const body = this.corpus.bodies[i % this.corpus.bodies.length]!;
    fetch(this.target.url, { method: "POST", body, headers: HEADERS, signal: rec.ctrl.signal, keepalive: true })
      .then(async (res) => {
        await res.arrayBuffer();
        if (this.finish(rec)) this.sink.response(rec.intended, rec.sentAt, this.sink.now(), res.status);
      })
      .catch((e) => {
        if (!this.finish(rec)) return;
        // fetch does not say whether it wrote anything; a refused connect certainly did not.
        const kind = errorKind(e);
        this.sink.transportError(rec.intended, this.sink.now(), kind, String((e as Error).message ?? e), kind === "refused");
      })
      .finally(() => {
        if (rec.done) this.sink.freed();
      });
  }

  expire(cutoff: number): void {
    let freed = false;
    for (const rec of this.live) {
      if (rec.intended > cutoff) continue;
      this.finish(rec);
      rec.ctrl.abort();
      this.sink.timeout(rec.intended, rec.sentAt, this.sink.now());
      freed = true;
    }
    if (freed) this.sink.freed();
  }

  close(): void {
    for (const rec of this.live) {
      rec.done = true;
      rec.ctrl.abort();
    }
    this.live.clear();
  }

  /** Marks the request ended; false when it already had (timed out first). */
  private finish(rec: InFlight): boolean {
    if (rec.done) return false;
    rec.done = true;
    this.live.delete(rec);
    return true;
  }
}
