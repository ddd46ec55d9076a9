/**
 * The run clock's thread (see run-clock.ts): every ~0.25 ms it reads the
 * monotonic clock and the JS thread's CPU clock and appends the pair to a
 * shared ring. The JS thread's CPU clock is readable from here because Linux
 * gives every thread a clock id derived from its tid, and reading it brings
 * a running thread's account up to the nanosecond.
 */
import { dlopen, ptr } from "bun:ffi";
import { setCpus } from "./affinity.ts";

declare const self: Worker;

interface Start {
  ring: SharedArrayBuffer;
  control: SharedArrayBuffer;
  tid: number;
  periodMs: number;
  /** Where to run: off the JS thread's core (affinity.ts); null to stay where the scheduler puts it. */
  cpus: number[] | null;
}

const CLOCK_MONOTONIC = 1;
/** MAKE_THREAD_CPUCLOCK(tid, CPUCLOCK_SCHED) from the kernel's posix-timers.h. */
const threadCpuClock = (tid: number) => (~tid << 3) | 6;

self.onmessage = (e: MessageEvent<Start>) => {
  const { ring, control, tid, periodMs, cpus } = e.data;
  if (cpus) setCpus(0, cpus);
  const { clock_gettime, nanosleep } = dlopen("libc.so.6", {
    clock_gettime: { args: ["i32", "ptr"], returns: "i32" },
    nanosleep: { args: ["ptr", "ptr"], returns: "i32" },
  }).symbols;
  // nanosleep costs a quarter less CPU per wake-up than Atomics.wait here.
  const nap = new BigInt64Array([0n, BigInt(Math.round(periodMs * 1e6))]);
  const napPtr = ptr(nap);
  const ts = new BigInt64Array(2);
  const p = ptr(ts);
  const cpuClock = threadCpuClock(tid);
  const pairs = new Float64Array(ring);
  const slots = pairs.length / 2;
  // control[0]: pairs written so far (the reader's cursor); control[1]: 1 while running.
  const ctl = new Int32Array(control);
  let written = 0;
  while (Atomics.load(ctl, 1) === 1) {
    clock_gettime(CLOCK_MONOTONIC, p);
    const mono = Number(ts[0]) * 1e9 + Number(ts[1]);
    if (clock_gettime(cpuClock, p) !== 0) break; // the thread is gone
    const cpu = Number(ts[0]) * 1e9 + Number(ts[1]);
    const k = written % slots;
    pairs[2 * k] = mono;
    pairs[2 * k + 1] = cpu;
    Atomics.store(ctl, 0, ++written);
    nanosleep(napPtr, null);
  }
  self.postMessage("stopped");
};
