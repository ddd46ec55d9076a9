/**
 * Usage: bun test/profile/perf/hot-ratio.ts [SECONDS]
 *
 * The perf integration test's workload: two pure-JS functions with the same
 * body, hotA given 3× the iterations of hotB, so their on-CPU time is 3:1.
 * Their bodies are too big for JSC to inline them into the loop (inlined code
 * would be charged to the caller by both profilers). Prints "ready" once both
 * are warm, then "tick" after every further 250 ms of work, so a test can wait
 * for an amount of work rather than sleep; exits after SECONDS (default 20)
 * whatever happens.
 */
const seconds = Number(process.argv[2] ?? 20);
const end = performance.now() + seconds * 1000;

function hotA(n: number): number {
  // Integer and plain double arithmetic only: nothing that calls into native code (fmod, Math.* calls).
  let a = 1, b = 2, c = 3, d = 0.5;
  for (let i = 0; i < n; i++) {
    a = (Math.imul(a, 1664525) + i) | 0;
    b = (b ^ (a >>> 3)) + (i & 7) | 0;
    c = (c + (b & 1023)) | 0;
    d = d * 0.999 + (a & 255);
    a = (a + (b << 2)) | 0;
    b = (Math.imul(b, 31) + (c & 4095)) | 0;
    c = c > 1e6 ? c >> 1 : c + 1;
    d = d > 1e6 ? d * 0.5 : d + (a & 15);
  }
  return a + b + c + d;
}

function hotB(n: number): number {
  // Integer and plain double arithmetic only: nothing that calls into native code (fmod, Math.* calls).
  let a = 1, b = 2, c = 3, d = 0.5;
  for (let i = 0; i < n; i++) {
    a = (Math.imul(a, 1664525) + i) | 0;
    b = (b ^ (a >>> 3)) + (i & 7) | 0;
    c = (c + (b & 1023)) | 0;
    d = d * 0.999 + (a & 255);
    a = (a + (b << 2)) | 0;
    b = (Math.imul(b, 31) + (c & 4095)) | 0;
    c = c > 1e6 ? c >> 1 : c + 1;
    d = d > 1e6 ? d * 0.5 : d + (a & 15);
  }
  return a + b + c + d;
}

const N = 20_000;
let sink = 0;
let rounds = 0;
let nextTick = Infinity;
while (performance.now() < end) {
  sink += hotA(3 * N);
  sink += hotB(N);
  if (++rounds === 200) console.log("ready"), (nextTick = performance.now() + 250);
  if (performance.now() >= nextTick) console.log("tick"), (nextTick += 250);
}
console.log(sink > 0 ? "done" : "done.");
