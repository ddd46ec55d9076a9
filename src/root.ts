/**
 * The repository root, found from this file's place in it (one level above
 * src/), so paths to data/, native/ and scripts never depend on the cwd.
 */
import { resolve } from "node:path";

export const PROJECT_ROOT = resolve(import.meta.dir, "..");
