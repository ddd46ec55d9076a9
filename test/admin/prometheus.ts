/** A strict-enough parser of the Prometheus text exposition format (0.0.4), for tests. */

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: -?\\d+)?$`);
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/g;

/** parsePrometheus throws on any line that is not a comment, a blank, or a valid sample. */
export function parsePrometheus(text: string): { samples: PromSample[]; types: Map<string, string>; help: Map<string, string> } {
  const samples: PromSample[] = [];
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  for (const [i, line] of text.split("\n").entries()) {
    if (line === "") continue;
    let m: RegExpExecArray | null;
    if ((m = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`).exec(line))) types.set(m[1]!, m[2]!);
    else if ((m = new RegExp(`^# HELP (${NAME}) (.*)$`).exec(line))) help.set(m[1]!, m[2]!);
    else if (line.startsWith("#")) continue;
    else if ((m = SAMPLE.exec(line))) {
      const labels: Record<string, string> = {};
      const body = m[2] ?? "";
      let consumed = 0;
      for (const l of body.matchAll(LABEL)) {
        labels[l[1]!] = l[2]!;
        consumed += l[0].length;
      }
      if (consumed !== body.length) throw new Error(`line ${i + 1}: bad labels: ${line}`);
      const value = m[3] === "+Inf" ? Infinity : m[3] === "-Inf" ? -Infinity : Number(m[3]);
      if (Number.isNaN(value) && m[3] !== "NaN") throw new Error(`line ${i + 1}: bad value: ${line}`);
      samples.push({ name: m[1]!, labels, value });
    } else throw new Error(`line ${i + 1}: not Prometheus text: ${line}`);
  }
  // Every sample belongs to a declared family (histogram series carry _bucket/_sum/_count suffixes).
  for (const s of samples) {
    const family = s.name.replace(/_(bucket|sum|count)$/, "");
    if (!types.has(s.name) && !types.has(family)) throw new Error(`sample ${s.name} has no # TYPE`);
  }
  return { samples, types, help };
}
