/** Preloaded by `bun test` (bunfig.toml): run-wide hooks. */
import { afterAll } from "bun:test";
import { rmSync } from "node:fs";
import { scratchRoot } from "./fixtures.ts";

// Hooks in a preload file run once for the whole run, after every test file.
afterAll(() => rmSync(scratchRoot(), { recursive: true, force: true }));
