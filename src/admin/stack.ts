/** Parses JSC `Error().stack` text into frames (leaf first) for the mutex profile. */
import type { Frame } from "./pprof.ts";

// "    at name (/path/file.ts:12:34)", "    at /path/file.ts:5:1", "    at map (native:1:11)"
const LINE = /^\s*at (?:async )?(?:(.*?) \()?(.*?):(\d+):\d+\)?$/;

/** parseStack returns the frames of a JSC stack string, dropping the first `skip` frames (the capturing helper). */
export function parseStack(stack: string, skip = 0): Frame[] {
  const frames: Frame[] = [];
  for (const line of stack.split("\n")) {
    const m = LINE.exec(line);
    if (!m) continue;
    const file = m[2] === "native" ? "" : m[2]!.replace(/^file:\/\//, "");
    frames.push({ name: m[1] || "(anonymous)", file, line: Number(m[3]) });
  }
  return frames.slice(skip);
}
