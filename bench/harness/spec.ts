/**
 * What a benchmark is. A suite file (`bench/suites/*.bench.ts`) exports
 * `benches`, a list of BenchSpec; the round runner prepares a spec (builds its
 * inputs outside the timed part), times `run`, keeps every result alive, and
 * calls `check` on a result after timing so a fast wrong answer never counts.
 */

export interface Prepared {
  /** One operation. Sync or async; its result is passed to do_not_optimize. */
  run(): unknown;
  /** Throws if a result of run() is wrong. */
  check(result: unknown): void;
  /** Releases what prepare() acquired. */
  dispose?(): void;
}

export interface BenchSpec {
  /** Go-style name without "Benchmark": "Payload/decode", "EnrichBatch/variant=v0/size=100". */
  name: string;
  /** The variant this benchmark exercises, if it is variant-specific (selectable with --variant). */
  variant?: string;
  /**
   * Set when this variant runs the very same function as an earlier variant:
   * a plain run measures that function once (under the first variant); an
   * A/B of variants (--variant) still runs it so both files have every row.
   */
  sameAs?: string;
  /**
   * Operations per timed sample, pinned so that a run can never flip between
   * batched and unbatched timing: 1 times every call alone (for µs-and-up
   * operations); a multiple of 4 times that many calls back to back (for
   * ns-scale operations, where one call is below the clock's resolution).
   */
  batch: number;
  prepare(): Prepared | Promise<Prepared>;
}

/** Fails a benchmark whose answer is wrong, naming what was expected. */
export function expectEqual(what: string, got: unknown, want: unknown): void {
  const g = typeof got === "string" ? got : JSON.stringify(got), w = typeof want === "string" ? want : JSON.stringify(want);
  if (g !== w) throw new Error(`${what}: expected ${w.slice(0, 200)}, got ${g.slice(0, 200)}`);
}
