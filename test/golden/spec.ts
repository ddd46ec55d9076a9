/** The golden index: small enough to build in the test, large enough for a real Zipf tail. */
export const GOLDEN_SPEC = Object.freeze({ entries: 10_000, seed: 42 });
