/** Parses a duration such as `30s`, `500ms`, `2m`, `1h` or a bare number of seconds; returns milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new Error(`expected a duration like 30s, 500ms or 2m, got '${text}'`);
  const value = Number(m[1]);
  const unit = m[2] ?? "s";
  const scale = unit === "ms" ? 1 : unit === "s" ? 1_000 : unit === "m" ? 60_000 : 3_600_000;
  return value * scale;
}

/** Formats milliseconds the way parseDuration reads them back (for meta files and progress lines). */
export function formatDuration(ms: number): string {
  if (ms % 60_000 === 0 && ms >= 60_000) return `${ms / 60_000}m`;
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}
