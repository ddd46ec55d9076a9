/**
 * mulberry32, for shuffling benchmark order reproducibly. Deliberately not the
 * project's PRNG (src/workload/rng.ts): bench:ab and the CI gate run this
 * harness inside worktrees of other revisions (worktree.ts copies bench/ in),
 * so it may import only what every revision has — and src/workload/ is newer
 * than most of them. The gate tests' expected p-values are pinned to this
 * sequence too.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** shuffle returns a Fisher-Yates shuffled copy of xs. */
export function shuffle<T>(xs: readonly T[], random: () => number): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
