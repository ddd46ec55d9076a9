/**
 * Parses `perf script` text printed with PERF_SCRIPT_FIELDS: one header line
 * per sample (tid, time, period), then its call chain leaf first, one
 * `ip symbol (dso)` line per frame, a blank line between samples.
 *
 *    8517   466.266565095:    2004008
 *           ffffffff8225a101 do_syscall_64 ([kernel.kallsyms])
 *               7fc7d0d8f042 [unknown] (/tmp/perf-8517.map)
 */

/** The `perf script` flags whose output parsePerfScript reads. */
export const PERF_SCRIPT_FIELDS = ["-F", "tid,time,period,ip,sym,dso", "--ns"] as const;

export interface PerfFrame {
  /** As perf prints it: absolute for anonymous (JIT) memory and the kernel, file-relative for mapped files. Kernel addresses lose their low bits in a double; only their symbol is used. */
  ip: number;
  /** "" when perf printed [unknown]. */
  sym: string;
  dso: string;
}

export interface PerfSample {
  tid: number;
  /** The perf clock in ns (CLOCK_MONOTONIC when recorded with -k CLOCK_MONOTONIC). */
  timeNs: number;
  /** The event's period: ns of CPU for cpu-clock. */
  period: number;
  /** Leaf first. */
  frames: PerfFrame[];
}

const HEAD = /^\s*(\d+)\s+(\d+)\.(\d+):\s+(\d+)\s*$/;
const FRAME = /^\s+([0-9a-fA-F]+)(?:\s+(.*?))?\s+\(([^()]*)\)\s*$/;

/** Parses the whole text; lines it does not recognise (warnings) are counted, not fatal. */
export function parsePerfScript(text: string): { samples: PerfSample[]; skippedLines: number } {
  const samples: PerfSample[] = [];
  let cur: PerfSample | null = null;
  let skipped = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "") {
      cur = null;
      continue;
    }
    const h = HEAD.exec(line);
    if (h) {
      const frac = h[3]!.padEnd(9, "0").slice(0, 9);
      cur = { tid: Number(h[1]), timeNs: Number(h[2]) * 1e9 + Number(frac), period: Number(h[4]), frames: [] };
      samples.push(cur);
      continue;
    }
    const f = cur ? FRAME.exec(line) : null;
    if (f && cur) {
      const sym = f[2] ?? "";
      cur.frames.push({ ip: parseInt(f[1]!, 16), sym: sym === "[unknown]" ? "" : sym, dso: f[3]! });
      continue;
    }
    skipped++;
  }
  return { samples, skippedLines: skipped };
}
