/**
 * The sleeping half of src/load/precise-timer.ts, on its own thread: it
 * blocks in Atomics.wait (a futex with a fractional-ms timeout, so no
 * spinning and no whole-ms rounding) until the sleep is over, then posts the
 * sleep's sequence number, which wakes the engine's event loop. A sleep
 * starts on this thread's clock when this thread sees it (a new SEQ), so it
 * ends no earlier than its length after the engine asked. It never reads
 * another message: set, clear and stop all arrive through the shared words,
 * so a new sleep interrupts the wait at once.
 */
declare const self: Worker;

import { SEQ, STOP, type TimerShared } from "./precise-timer.ts";

self.onmessage = (e: MessageEvent<TimerShared>) => {
  const ctl = new Int32Array(e.data.ctl);
  const sleepMs = new Float64Array(e.data.sleepMs);
  let seen = -1;
  let until = NaN;
  for (;;) {
    if (Atomics.load(ctl, STOP) !== 0) break;
    const seq = Atomics.load(ctl, SEQ);
    // A new set or clear: its length is read after SEQ, so it is that request's.
    if (seq !== seen) {
      seen = seq;
      const ms = sleepMs[0]!;
      until = Number.isNaN(ms) ? NaN : performance.now() + ms;
    }
    // No sleep pending (none set, cleared, or fired): wait for the next set (or a stop), however long.
    if (Number.isNaN(until)) {
      Atomics.wait(ctl, SEQ, seq);
      continue;
    }
    const left = until - performance.now();
    if (left > 0) {
      // Returns when the sleep is over, or early when the engine sets, clears or stops (SEQ changes).
      Atomics.wait(ctl, SEQ, seq, left);
      continue;
    }
    postMessage(seq);
    until = NaN;
  }
};
