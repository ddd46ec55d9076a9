/**
 * Waiting for an event that only shows in state (a process gone, a counter
 * reached): probe until it answers, bounded. The bound is a failure, never a
 * measurement: no test asserts how long it took.
 */
export async function eventually<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, waitMs = 10_000, everyMs = 10): Promise<T> {
  const deadline = performance.now() + waitMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (performance.now() > deadline) throw new Error(`waited ${waitMs} ms and never saw ${what}`);
    await Bun.sleep(everyMs);
  }
}
