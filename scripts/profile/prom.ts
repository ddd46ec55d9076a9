/**
 * The one Prometheus text-format (0.0.4) reader. Strict (the default) is what
 * the tests hold the service's /metrics to: exact spacing, well-formed labels,
 * a # TYPE for every sample. Lenient is what the profile tools read scrapes
 * with (parseProm): a scrape of an older or foreign exporter still diffs.
 */

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
  /** `name{labels}` exactly as written: the key parseProm diffs scrapes by. */
  series: string;
}

export interface PromText {
  samples: PromSample[];
  types: Map<string, string>;
  help: Map<string, string>;
}

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const HELP = new RegExp(`^# HELP (${NAME}) (.*)$`);
const STRICT_SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: -?\\d+)?$`);
const LENIENT_SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})?\\s+(\\S+)(?:\\s+\\d+)?$`);
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/g;

/** parsePrometheus throws on any line that is not a comment, a blank, or a sample (strict: a valid one, of a declared family). */
export function parsePrometheus(text: string, { strict = true }: { strict?: boolean } = {}): PromText {
  const samples: PromSample[] = [];
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  for (const [i, raw] of text.split("\n").entries()) {
    const line = strict ? raw : raw.trim();
    if (line === "") continue;
    const fail = (problem: string): never => {
      throw new Error(`metrics line ${i + 1}: ${problem}: '${strict ? line : line.slice(0, 80)}'`);
    };
    let m: RegExpExecArray | null;
    if ((m = TYPE.exec(line))) types.set(m[1]!, m[2]!);
    else if ((m = HELP.exec(line))) help.set(m[1]!, m[2]!);
    else if (line.startsWith("#")) continue;
    else if ((m = (strict ? STRICT_SAMPLE : LENIENT_SAMPLE).exec(line))) {
      const labels: Record<string, string> = {};
      const body = m[2] ?? "";
      let consumed = 0;
      for (const l of body.matchAll(LABEL)) {
        labels[l[1]!] = l[2]!;
        consumed += l[0].length;
      }
      if (strict && consumed !== body.length) fail("bad labels");
      const value = m[3] === "+Inf" ? Infinity : m[3] === "-Inf" ? -Infinity : Number(m[3]);
      if (Number.isNaN(value) && m[3] !== "NaN") fail(`bad value '${m[3]}'`);
      samples.push({ name: m[1]!, labels, value, series: m[2] === undefined ? m[1]! : `${m[1]}{${m[2]}}` });
    } else fail("not Prometheus text");
  }
  // Every sample belongs to a declared family (histogram series carry _bucket/_sum/_count suffixes).
  if (strict) {
    for (const s of samples) {
      const family = s.name.replace(/_(bucket|sum|count)$/, "");
      if (!types.has(s.name) && !types.has(family)) throw new Error(`sample ${s.name} has no # TYPE`);
    }
  }
  return { samples, types, help };
}

/** Series by full name (`name{labels}` exactly as written) to value, read leniently. Throws on a malformed line. */
export function parseProm(text: string): Map<string, number> {
  return new Map(parsePrometheus(text, { strict: false }).samples.map((s) => [s.series, s.value]));
}

/** First series whose name (before any labels) is `name`, optionally with a label fragment such as `route="/enrich"`. */
export function series(m: Map<string, number>, name: string, labelPart = ""): number | undefined {
  for (const [k, v] of m) {
    const base = k.split("{")[0];
    if (base === name && (!labelPart || k.includes(labelPart))) return v;
  }
  return undefined;
}
