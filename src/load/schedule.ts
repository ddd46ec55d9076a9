/**
 * The arrival schedule: when request i is due, in milliseconds after t0.
 * Constant spacing puts request i at i·(1000/rate); Poisson draws seeded
 * exponential gaps, so the same seed always gives the same schedule.
 */

import { Rng } from "../workload/rng.ts";

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
  const rng = new Rng(seed);
  const mean = 1000 / rps;
  let t = 0;
  let first = true;
  return {
    next() {
      if (first) {
        first = false;
        return 0;
      }
      // 1 − u lies in (0, 1], so the log is always finite.
      t += -Math.log(1 - rng.next()) * mean;
      return t;
    },
  };
}

/** Builds the schedule the options ask for. */
export function makeSchedule(arrivals: Arrivals, rps: number, seed: number): Schedule {
  return arrivals === "poisson" ? poissonSchedule(rps, seed) : constantSchedule(rps);
}
