/**
 * Progress lines on stderr for long work: rewritten in place on a terminal,
 * one line per second otherwise (so CI logs stay readable).
 */
export function progressReporter(enabled = true): (line: string, final?: boolean) => void {
  const tty = Boolean(process.stderr.isTTY);
  const interval = tty ? 200 : 1000;
  let last = -Infinity;
  return (line, final = false) => {
    if (!enabled) return;
    const now = performance.now();
    if (!final && now - last < interval) return;
    last = now;
    process.stderr.write(tty ? `\r\x1b[K${line}${final ? "\n" : ""}` : `${line}\n`);
  };
}
