/**
 * Keeping the profiler's own threads off the JS thread's core.
 *
 * A sampling thread that shares a core with the thread it samples only gets
 * to run when that thread yields — so it samples the moments the JS thread
 * went idle, not the moments it worked. Measured on the known-cost server
 * pinned to one core: JSC's sampler put 32–45% of CPU on an await that costs
 * 0.1%, and the widest real function came out at a fifth of its share (the
 * same mechanism made `stat` v0's "widest frame"). So while a CPU profile is
 * captured, when the JS thread is pinned to fewer CPUs than the machine has,
 * the sampler thread and the run clock move to the other CPUs. They cost
 * little there, and the JS thread keeps its core to itself.
 */
import { dlopen, ptr } from "bun:ffi";
import { readdirSync, readFileSync } from "node:fs";

const MASK_BYTES = 128; // cpu_set_t: 1024 CPUs

const libc = (() => {
  if (process.platform !== "linux") return null;
  try {
    return dlopen("libc.so.6", {
      sched_getaffinity: { args: ["i32", "u64", "ptr"], returns: "i32" },
      sched_setaffinity: { args: ["i32", "u64", "ptr"], returns: "i32" },
    }).symbols;
  } catch {
    return null;
  }
})();

function toMask(cpus: number[]): Uint8Array {
  const m = new Uint8Array(MASK_BYTES);
  for (const c of cpus) m[c >> 3]! |= 1 << (c & 7);
  return m;
}

function fromMask(m: Uint8Array): number[] {
  const out: number[] = [];
  for (let c = 0; c < MASK_BYTES * 8; c++) if (m[c >> 3]! & (1 << (c & 7))) out.push(c);
  return out;
}

/** The CPUs a thread (0: the caller) may run on; null where that cannot be read. */
export function cpusOf(tid = 0): number[] | null {
  if (!libc) return null;
  const m = new Uint8Array(MASK_BYTES);
  return libc.sched_getaffinity(tid, MASK_BYTES, ptr(m)) === 0 ? fromMask(m) : null;
}

/** Moves a thread (0: the caller) to `cpus`; false if the kernel refused. */
export function setCpus(tid: number, cpus: number[]): boolean {
  if (!libc || cpus.length === 0) return false;
  const m = toMask(cpus);
  return libc.sched_setaffinity(tid, MASK_BYTES, ptr(m)) === 0;
}

/** "0-3,5" → [0,1,2,3,5]: the kernel's CPU list format. */
export function parseCpuList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(",")) {
    if (!part) continue;
    const [a, b] = part.split("-").map(Number);
    for (let c = a!; c <= (b ?? a!); c++) out.push(c);
  }
  return out;
}

function onlineCpus(): number[] {
  try {
    return parseCpuList(readFileSync("/sys/devices/system/cpu/online", "utf8"));
  } catch {
    return [];
  }
}

/**
 * helperCpus: where the profiler's threads should run — the online CPUs the
 * JS thread is not pinned to — or null when the JS thread may run anywhere
 * (the scheduler then spreads the threads itself) or there is no other CPU.
 */
export function helperCpus(): number[] | null {
  const js = cpusOf(process.pid);
  if (!js) return null;
  const online = onlineCpus();
  const others = online.filter((c) => !js.includes(c));
  return js.length < online.length && others.length > 0 ? others : null;
}

/** The process's threads (tid, name). */
export function threads(): { tid: number; name: string }[] {
  try {
    return readdirSync("/proc/self/task").map((t) => {
      let name = "";
      try {
        name = readFileSync(`/proc/self/task/${t}/comm`, "utf8").trim();
      } catch {}
      return { tid: Number(t), name };
    });
  } catch {
    return [];
  }
}
