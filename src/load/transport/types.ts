/**
 * One interface, two tested implementations: a pool of raw keep-alive
 * HTTP/1.1 sockets (`raw`, the default) and Bun's fetch (`fetch`). The engine
 * only asks "can I send now?", sends, and hears back through a Sink.
 */

/** What a transport reports to the engine. All times are ms after t0, from the sink's clock. */
export interface Sink {
  now(): number;
  /** The request's first bytes were written. */
  sent(intended: number, at: number): void;
  response(intended: number, sentAt: number, at: number, status: number): void;
  /** `sentAt` is NaN when the request never got onto a connection. */
  timeout(intended: number, sentAt: number, at: number): void;
  /** `unsent`: the request failed before any byte of it was written (a refused or failed connect). */
  transportError(intended: number, at: number, kind: string, message: string, unsent: boolean): void;
  /** A connection (or slot) became free: the engine sends whatever is waiting. */
  freed(): void;
}

export interface Transport {
  /** Opens one connection to prove the target listens; rejects with LoadError("unreachable"). */
  preflight(): Promise<void>;
  /** True when a request can go out now: an idle connection, or room to open one. */
  available(): boolean;
  /** Sends request i (corpus line i mod n) whose intended start was `intended`. Call only when available(). */
  send(i: number, intended: number): void;
  /** Times out every in-flight request whose intended start is at or before `cutoff`. */
  expire(cutoff: number): void;
  /** Requests on the wire (or connecting) right now. */
  readonly inFlight: number;
  /**
   * Requests handed over whose connection the server has not accepted yet
   * (still connecting), so not yet written. Always 0 for fetch, which cannot see it.
   */
  readonly connecting: number;
  /** Connections currently open or opening, and the most at once. */
  readonly connections: number;
  readonly peakConnections: number;
  /** Connections opened over the run (more than the peak means some were closed and reopened). */
  readonly opened: number;
  /** Closes every connection; in-flight requests are abandoned without being reported. */
  close(): void;
}

/** Names a transport failure by its cause, so counts group usefully. */
export function errorKind(e: unknown): string {
  const code = (e as { code?: unknown })?.code;
  if (code !== undefined && typeof code !== "string") return "other"; // e.g. a DOMException's numeric code
  switch (code) {
    case "ECONNREFUSED":
    case "ConnectionRefused":
      return "refused";
    case "ECONNRESET":
    case "ConnectionReset":
      return "reset";
    case "ETIMEDOUT":
      return "connect-timeout";
    case undefined:
      return "other";
    default:
      return code.toLowerCase();
  }
}
