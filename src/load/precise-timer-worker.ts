/**
 * The sleeping half of src/load/precise-timer.ts, on its own thread: it
 * blocks in Atomics.wait (a futex with a fractional-ms timeout, so no
 * spinning and no whole-ms rounding) until the requested wake time, then
 * posts the sleep's sequence number, which wakes the engine's event loop.
 * It never reads another message: set, clear and stop all arrive through
 * the shared words, so a new sleep interrupts the wait at once.
 */
declare const self: Worker;

import { SEQ, STOP, type TimerShared } from "./precise-timer.ts";

// Each thread has its own timeOrigin; origin + now() is the one wall-anchored clock both threads read alike.
const nowAbs = () => performance.timeOrigin + performance.now();

self.onmessage = (e: MessageEvent<TimerShared>) => {
  const ctl = new Int32Array(e.data.ctl);
  const wakeAt = new Float64Array(e.data.wakeAt);
  for (;;) {
    if (Atomics.load(ctl, STOP) !== 0) break;
    const seq = Atomics.load(ctl, SEQ);
    const at = wakeAt[0]!;
    // No sleep pending: wait for the next set (or a stop), however long.
    if (Number.isNaN(at)) {
      Atomics.wait(ctl, SEQ, seq);
      continue;
    }
    const left = at - nowAbs();
    if (left > 0) {
      // Returns at the wake time, or early when the engine sets, clears or stops (SEQ changes).
      Atomics.wait(ctl, SEQ, seq, left);
      continue;
    }
    postMessage(seq);
    // Fired: nothing to do until the engine's next set or clear moves SEQ on.
    Atomics.wait(ctl, SEQ, seq);
  }
};
