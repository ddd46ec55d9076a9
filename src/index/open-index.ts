/**
 * The one way the service (and every tool) opens an index: the implementation
 * is a choice (`--index-impl ts|native`), the checks at open are the same.
 */
import type { Index, IndexImpl } from "./contract.ts";
import { openNativeIndex } from "./native-index.ts";
import type { VerifyMode } from "./open.ts";
import { openTsIndex } from "./ts-index.ts";

export interface OpenIndexOptions {
  /** Default "ts": the pure-TypeScript lookup, which needs no compiler. */
  impl?: IndexImpl;
  verify?: VerifyMode;
}

/** Opens and checks the index in `dir`; throws IndexFormatError (bad files) or NativeUnavailableError (native asked for, not buildable here). */
export function openIndex(dir: string, { impl = "ts", verify }: OpenIndexOptions = {}): Index {
  switch (impl) {
    case "ts":
      return openTsIndex(dir, { verify });
    case "native":
      return openNativeIndex(dir, { verify });
    default:
      throw new Error(`unknown index implementation '${impl as string}' (expected ts or native)`);
  }
}
