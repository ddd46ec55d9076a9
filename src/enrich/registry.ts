/**
 * The variant ladder. v0 is the inherited control and never changes; each
 * later variant is registered as its parent plus one named change (see
 * FINDINGS.md for the evidence behind each step). Side variants that prove a
 * negative (v0-turbo-json) stay registered so the claim remains checkable.
 */
import type { Variant } from "./variant.ts";
import { makeV0 } from "./v0/index.ts";

const LADDER: readonly Variant[] = [makeV0("builtin"), makeV0("turbo")];

export const VARIANTS: ReadonlyMap<string, Variant> = new Map(LADDER.map((v) => [v.name, v]));

/** Names in ladder order. */
export function variantNames(): string[] {
  return [...VARIANTS.keys()];
}

/** The variant called `name`; throws with the list of known names otherwise. */
export function getVariant(name: string): Variant {
  const v = VARIANTS.get(name);
  if (!v) throw new Error(`unknown variant '${name}' (known: ${variantNames().join(", ")})`);
  return v;
}
