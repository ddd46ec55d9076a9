/**
 * Which index the started service opens and which corpus drives the load.
 * The default index (data/default, ~92 MB, built on first use) is made only
 * when something will read it: a purpose-made server (serverCmd) given its
 * own corpus needs none, nor does a running service (url) without --index.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { CaptureOptions } from "./bundle.ts";

export interface CaptureInputs {
  /** The index the started service opens (absolute); null when none is needed. */
  indexDir: string | null;
  /** The corpus the load reads (absolute), or null when none was given or implied. */
  corpus: string | null;
}

/** chooseInputs decides, without touching the disk; `defaultIndex` (ensureDefaultIndex) is called only when the default index is needed. */
export function chooseInputs(o: Pick<CaptureOptions, "url" | "index" | "corpus" | "mix" | "serverCmd">, defaultIndex: () => string): CaptureInputs {
  const needsDefault = !o.index && !o.url && !(o.serverCmd && o.corpus);
  const indexDir = o.index ? resolve(o.index) : needsDefault ? resolve(defaultIndex()) : null;
  const corpus = o.corpus ? resolve(o.corpus) : indexDir ? join(indexDir, `${o.mix}.ndjson`) : null;
  return { indexDir, corpus };
}

/** captureInputs is chooseInputs with the corpus checked; throws when there is none. */
export function captureInputs(o: Pick<CaptureOptions, "url" | "index" | "corpus" | "mix" | "serverCmd">, defaultIndex: () => string): CaptureInputs & { corpus: string } {
  const inputs = chooseInputs(o, defaultIndex);
  const corpus = inputs.corpus;
  if (!corpus || !existsSync(corpus)) throw new Error(`no corpus for mix '${o.mix}': ${corpus ?? "pass --index DIR or --corpus FILE with --url"}`);
  return { ...inputs, corpus };
}
