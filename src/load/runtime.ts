/**
 * What the engine runs on besides its options: the timer that wakes it and
 * the transport that carries its requests. The real ones are the default; a
 * test hands in virtual ones (with a virtual clock, LoadOptions.now) to drive
 * a whole run deterministically, with no real time passing. Both are reached
 * once per tick or once per request through a plain method call, as before.
 */
import { encodeRequests, type Corpus, type Target } from "./corpus.ts";
import type { LoadOptions } from "./options.ts";
import { PreciseTimer } from "./precise-timer.ts";
import { FetchTransport } from "./transport/fetch.ts";
import { RawTransport } from "./transport/raw.ts";
import type { Sink, Transport } from "./transport/types.ts";

/** A one-shot timer, as setTimeout: `fn` runs once, `ms` from now, unless cleared. */
export interface Timer {
  /** Its grain: the engine sleeps whole multiples of it, never less than one (1 for setTimeout's whole milliseconds). */
  readonly tickMs: number;
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
  /** Releases what the timer holds (a thread); called once, when the run ends. */
  close?(): void;
}

/** Builds the run's timer from its options (`--timer`). */
export type TimerFactory = (opts: LoadOptions) => Timer;

/** Builds the transport for a run; it reports to `sink` and reads time only from `sink.now()`. */
export type TransportFactory = (target: Target, corpus: Corpus, opts: LoadOptions, sink: Sink) => Transport;

export interface Runtime {
  timer: TimerFactory;
  transport: TransportFactory;
}

/** setTimeout's whole milliseconds: wrk2's grain (its timers tick in ms too), kept as `--timer ms`. */
export const wholeMsTimer: Timer = {
  tickMs: 1,
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export const realTimer: TimerFactory = (opts) => (opts.timer === "ms" ? wholeMsTimer : new PreciseTimer());

/** The transport the options name: raw keep-alive sockets, or Bun's fetch. */
export const realTransport: TransportFactory = (target, corpus, opts, sink) =>
  opts.transport === "fetch"
    ? new FetchTransport(target, corpus, opts.connections, sink)
    : new RawTransport(target, encodeRequests(corpus, target), opts.connections, sink);

export const REAL_RUNTIME: Runtime = Object.freeze({ timer: realTimer, transport: realTransport });
