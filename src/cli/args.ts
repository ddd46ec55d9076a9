/**
 * One place where every command parses its flags: declare the options once,
 * get typed values, `--help` for free, and a one-line error (exit 2) for a bad flag.
 */
import { parseArgs } from "node:util";
import { parseDuration } from "./duration.ts";

type Kind = "string" | "number" | "duration" | "boolean" | "list";

export interface OptionSpec {
  kind: Kind;
  help: string;
  default?: string | number | boolean;
  short?: string;
  /** For kind "string": the accepted values. */
  choices?: readonly string[];
}

export type OptionSpecs = Record<string, OptionSpec>;

type ValueOf<S extends OptionSpec> = S["kind"] extends "number" | "duration"
  ? number
  : S["kind"] extends "boolean"
    ? boolean
    : S["kind"] extends "list"
      ? string[]
      : string;

export type Parsed<S extends OptionSpecs> = {
  [K in keyof S]: S[K]["default"] extends undefined ? ValueOf<S[K]> | undefined : ValueOf<S[K]>;
} & { _: string[] };

/** Raised for a bad flag or value; the CLI prints its message on one line and exits 2. */
export class UsageError extends Error {}

/** Renders the `--help` text from the usage line and the option specs. */
export function helpText(usage: string, specs: OptionSpecs): string {
  const rows = Object.entries(specs).map(([name, s]) => {
    const flag = `${s.short ? `-${s.short}, ` : "    "}--${name}${s.kind === "boolean" ? "" : ` <${s.kind === "list" ? "value" : s.kind}>`}`;
    const dflt = s.default === undefined || s.default === false ? "" : ` (default ${s.default})`;
    const choices = s.choices ? ` [${s.choices.join("|")}]` : "";
    return `  ${flag.padEnd(34)} ${s.help}${choices}${dflt}`;
  });
  return `${usage.trimEnd()}\n\nOptions:\n${rows.join("\n")}\n  ${"-h, --help".padEnd(34)} show this help\n`;
}

/** Parses argv against specs; throws UsageError on anything it cannot take. */
export function parseFlags<S extends OptionSpecs>(argv: string[], specs: S, opts: { positionals?: boolean } = {}): Parsed<S> {
  const options: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> = {};
  for (const [name, s] of Object.entries(specs)) {
    options[name] = { type: s.kind === "boolean" ? "boolean" : "string", ...(s.short ? { short: s.short } : {}), ...(s.kind === "list" ? { multiple: true } : {}) };
  }
  let raw: ReturnType<typeof parseArgs>;
  try {
    raw = parseArgs({ args: argv, options, allowPositionals: opts.positionals ?? false, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.split("\n")[0]!);
  }
  const out: Record<string, unknown> = { _: raw.positionals };
  for (const [name, s] of Object.entries(specs)) {
    const v = (raw.values as Record<string, unknown>)[name];
    if (v === undefined) {
      out[name] = s.kind === "list" ? [] : s.kind === "boolean" ? (s.default ?? false) : s.default === undefined ? undefined : coerce(name, s, String(s.default));
      continue;
    }
    out[name] = s.kind === "boolean" || s.kind === "list" ? v : coerce(name, s, v as string);
  }
  return out as Parsed<S>;
}

function coerce(name: string, s: OptionSpec, v: string): string | number {
  switch (s.kind) {
    case "number": {
      const n = Number(v);
      if (v.trim() === "" || !Number.isFinite(n)) throw new UsageError(`--${name}: expected a number, got '${v}'`);
      return n;
    }
    case "duration":
      try {
        return parseDuration(v);
      } catch (e) {
        throw new UsageError(`--${name}: ${(e as Error).message}`);
      }
    default:
      if (s.choices && !s.choices.includes(v)) throw new UsageError(`--${name}: expected one of ${s.choices.join(", ")}, got '${v}'`);
      return v;
  }
}

/**
 * The CLI shell: prints help on -h/--help, parses, and turns a UsageError into
 * one line on stderr and exit code 2. Commands call this once at the top.
 */
export function cli<S extends OptionSpecs>(argv: string[], usage: string, specs: S, opts: { positionals?: boolean } = {}): Parsed<S> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(helpText(usage, specs));
    process.exit(0);
  }
  try {
    return parseFlags(argv, specs, opts);
  } catch (e) {
    if (e instanceof UsageError) fail(e.message);
    throw e;
  }
}

/** Prints one clear line and exits non-zero: how every command reports what it cannot do. */
export function fail(message: string, code = 2): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(code);
}
