/**
 * Usage: bun run build:native [--force]
 *
 * Builds native/enrich_index.c with the system C compiler (`$CC`, default
 * gcc) at -O2 into a shared library, on first use: `--index-impl native`, the
 * tests and the benchmarks call nativeLibrary(), which compiles only when no
 * library for these exact sources and flags exists yet. The file name carries
 * a hash of the sources, compiler and flags, so an edit (or a git checkout)
 * can never load a stale build, and concurrent builders each write a temp file
 * and rename it into place.
 *
 * Where there is no C compiler the pure-TS index still works; asking for the
 * native one fails with NativeUnavailableError, a message that says so.
 * `ENRICH_NATIVE_BUILD_DIR` puts the libraries elsewhere (default native/build/).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { type ConvertFns, dlopen, type FFIFunction } from "bun:ffi";
import { PROJECT_ROOT } from "../root.ts";

const SOURCE = join(PROJECT_ROOT, "native/enrich_index.c");
const HEADER = join(PROJECT_ROOT, "native/enrich_index.h");
const CFLAGS = ["-O2", "-std=gnu11", "-shared", "-fPIC", "-Wall", "-Wextra"] as const;

/** The native index cannot be built or loaded here; the message says why and what to do instead. */
export class NativeUnavailableError extends Error {}

function compiler(): string {
  return process.env.CC || "gcc";
}

function buildDir(): string {
  return process.env.ENRICH_NATIVE_BUILD_DIR || join(PROJECT_ROOT, "native/build");
}

/** The library's path for the current sources, compiler and flags (it may not exist yet). */
export function nativeLibraryPath(): string {
  const sources = readFileSync(SOURCE, "utf8") + readFileSync(HEADER, "utf8");
  const tag = Bun.hash(`${sources}\0${compiler()}\0${CFLAGS.join(" ")}`).toString(16).padStart(16, "0");
  return join(buildDir(), `libenrich_index-${tag}.so`);
}

/** Returns the path of a built library for the current sources, compiling it if needed; throws NativeUnavailableError. */
export function nativeLibrary({ force = false } = {}): string {
  const out = nativeLibraryPath();
  if (existsSync(out) && !force) return out;
  const cc = compiler();
  try {
    mkdirSync(buildDir(), { recursive: true });
  } catch (e) {
    throw new NativeUnavailableError(`cannot build the native index: ${(e as Error).message}`);
  }
  const tmp = `${out}.${process.pid}.tmp`;
  let r: ReturnType<typeof Bun.spawnSync>;
  try {
    r = Bun.spawnSync([cc, ...CFLAGS, "-o", tmp, SOURCE], { stdout: "pipe", stderr: "pipe" });
  } catch {
    throw new NativeUnavailableError(`cannot build the native index: no C compiler ('${cc}' not found; install gcc or set CC). The pure-TS index needs none: --index-impl ts`);
  }
  if (!r.success || !existsSync(tmp)) {
    rmSync(tmp, { force: true });
    throw new NativeUnavailableError(`cannot build the native index: ${cc} ${CFLAGS.join(" ")} native/enrich_index.c failed:\n${(r.stderr?.toString() ?? "").trim()}`);
  }
  renameSync(tmp, out);
  // Builds of older sources are never loaded again (their hash no longer matches); a process that has one open keeps its mapping.
  for (const f of readdirSync(buildDir())) if (/^libenrich_index-[0-9a-f]+\.so$/.test(f) && join(buildDir(), f) !== out) rmSync(join(buildDir(), f), { force: true });
  return out;
}

if (import.meta.main) {
  const { cli, fail } = await import("../cli/args.ts");
  const args = cli(process.argv.slice(2), "Usage: bun run build:native [--force]\n\nCompiles native/enrich_index.c ($CC, default gcc, -O2) into native/build/ and prints the library's path.", {
    force: { kind: "boolean", help: "rebuild even if a library for these sources exists" },
  });
  try {
    console.log(nativeLibrary({ force: args.force }));
  } catch (e) {
    fail((e as Error).message, 1);
  }
}

/**
 * nativeSymbols: a getter for `symbols` of the library, loaded (and built if
 * need be) on the first call, or null for good where it cannot be built or
 * loaded here: the callers' JS paths then answer.
 */
export function nativeSymbols<const S extends Record<string, FFIFunction>>(symbols: S): () => ConvertFns<S> | null {
  let loaded: ConvertFns<S> | null | undefined;
  return () => {
    if (loaded !== undefined) return loaded;
    try {
      return (loaded = dlopen(nativeLibrary(), symbols).symbols);
    } catch {
      return (loaded = null);
    }
  };
}
