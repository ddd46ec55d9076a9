/** A small Prometheus text-format reader: enough to diff two scrapes and to check one parses. */

/** Series by full name (`name{labels}` exactly as written) to value. Throws on a malformed line. */
export function parseProm(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const [i, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{.*\})?)\s+(\S+)(?:\s+\d+)?$/.exec(line);
    if (!m) throw new Error(`metrics line ${i + 1}: not Prometheus text: '${line.slice(0, 80)}'`);
    const v = m[2] === "+Inf" ? Infinity : m[2] === "-Inf" ? -Infinity : Number(m[2]);
    if (Number.isNaN(v) && m[2] !== "NaN") throw new Error(`metrics line ${i + 1}: bad value '${m[2]}'`);
    out.set(m[1]!, v);
  }
  return out;
}

/** First series whose name (before any labels) is `name`, optionally with a label fragment such as `route="/enrich"`. */
export function series(m: Map<string, number>, name: string, labelPart = ""): number | undefined {
  for (const [k, v] of m) {
    const base = k.split("{")[0];
    if (base === name && (!labelPart || k.includes(labelPart))) return v;
  }
  return undefined;
}
