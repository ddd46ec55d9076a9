/**
 * The one error the library raises for things the user can fix (bad option,
 * missing corpus, unreachable target). The CLI prints its message on one line.
 */
export class LoadError extends Error {
  override name = "LoadError";
  constructor(
    message: string,
    /** Stable machine-readable code: "options", "corpus", "unreachable". */
    readonly code: "options" | "corpus" | "unreachable" = "options",
  ) {
    super(message);
  }
}
