/**
 * The service taken apart (bench/servers/layers.ts) as sides of a capacity or
 * saturated-perf run: `--layers pipeline,app` adds one server per layer,
 * serving the run's first variant, so echo → pipeline → app → service is
 * measured the same way, in one run.
 */
import { join } from "node:path";
import { PROJECT_ROOT } from "../../src/root.ts";

export const LAYERS = ["pipeline", "app"] as const;
export type Layer = (typeof LAYERS)[number];

/** parseLayers reads a --layers value (comma-separated; empty = none), or throws naming the unknown layer. */
export function parseLayers(value: string): Layer[] {
  const out: Layer[] = [];
  for (const l of value.split(",").map((s) => s.trim()).filter(Boolean)) {
    if (!(LAYERS as readonly string[]).includes(l)) throw new Error(`--layers: '${l}' is not one of ${LAYERS.join(", ")}`);
    out.push(l as Layer);
  }
  return out;
}

/** The side's name in tables and files. */
export const layerSide = (l: Layer) => `layer-${l}`;

/** The --index-impl the service sides are given in their flags (so the layers look keys up the same way), if any. */
export function indexImplOf(serverArgs: readonly string[]): string | undefined {
  const i = serverArgs.lastIndexOf("--index-impl");
  return i >= 0 ? serverArgs[i + 1] : serverArgs.findLast((a) => a.startsWith("--index-impl="))?.slice("--index-impl=".length);
}

/** The command that starts layer `l` with `variant` on `index` (any free port; it prints the service's ready line). */
export function layerCommand(l: Layer, variant: string, index: string, indexImpl?: string): string[] {
  return [process.execPath, join(PROJECT_ROOT, "bench/servers/layers.ts"), "--layer", l, "--variant", variant, "--index", index, ...(indexImpl ? ["--index-impl", indexImpl] : []), "--port", "0"];
}

export const LAYERS_NOTE = "bench/servers/layers.ts: pipeline = Elysia's parse (a viewBody variant's view of the bytes instead) and the variant's pipeline only; app = src/http/app.ts with the variant (body bounds, validation, admission at the loosened bounds), untracked";
