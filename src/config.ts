/** Frozen defaults for the service: one place, so flags, docs and tests agree. */
export const DEFAULTS = Object.freeze({
  port: 8080,
  adminPort: 6060,
  adminHost: "127.0.0.1",
  /** Built on first `bun run serve` when no --index is given. */
  indexDir: "data/default",
  indexEntries: 1_000_000,
  indexSeed: 1,
  variant: "v0",
  workers: 1,
  blockProfileRate: 0,
  mutexProfileFraction: 0,
  /** How long SIGTERM waits for in-flight requests before exiting anyway. */
  drainTimeoutMs: 10_000,
});

/** Request limits (DESIGN.md, "Wire contract"). */
export interface Limits {
  bodyBytes: number;
  events: number;
  attrs: number;
  attrChars: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  bodyBytes: 8 * 1024 * 1024,
  events: 10_000,
  attrs: 64,
  attrChars: 256,
});
