/**
 * The arrival schedule: when request i is due, in milliseconds after t0.
 * Constant spacing puts request i at i·(1000/rate); Poisson draws seeded
 * exponential gaps, so the same seed always gives the same schedule.
 */

export type Arrivals = "constant" | "poisson";

/** A monotone sequence of intended start times (ms after t0). */
export interface Schedule {
  /** Intended start of the next request, in ms after t0. */
  next(): number;
}

/** Request i due at exactly i·1000/rate ms (computed, not accumulated, so it never drifts). */
export function constantSchedule(rps: number): Schedule {
  let i = 0;
  return { next: () => (i++ * 1000) / rps };
}

/** Poisson arrivals at mean rate `rps`: exponential gaps from a seeded generator. */
export function poissonSchedule(rps: number, seed: number): Schedule {
  const rand = sfc32(seed);
  const mean = 1000 / rps;
  let t = 0;
  let first = true;
  return {
    next() {
      if (first) {
        first = false;
        return 0;
      }
      t += -Math.log(rand()) * mean;
      return t;
    },
  };
}

/** Builds the schedule the options ask for. */
export function makeSchedule(arrivals: Arrivals, rps: number, seed: number): Schedule {
  return arrivals === "poisson" ? poissonSchedule(rps, seed) : constantSchedule(rps);
}

/**
 * sfc32 seeded through splitmix32: a small, fast, well-tested PRNG. Returns
 * uniforms in (0, 1), never 0, so −log(u) is always finite.
 */
export function sfc32(seed: number): () => number {
  let s = seed >>> 0;
  const split = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split(), b = split(), c = split(), d = split();
  return () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return ((t >>> 0) + 0.5) / 4294967296;
  };
}
