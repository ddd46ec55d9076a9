/** loadSuites in a worktree of another revision: a copied suite that cannot import there falls back to the revision's own. */
import { afterAll, expect, spyOn, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSuites } from "../../bench/harness/round.ts";

const root = mkdtempSync(join(tmpdir(), "enrich-load-suites-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const suite = (name: string) => `export const benches = () => [{ name: ${JSON.stringify(name)}, prepare: () => ({ run() {} }) }];\n`;

test("a copied suite with a missing import runs the revision's own; one neither side can load is skipped; both say so", async () => {
  const copied = join(root, "suites"), own = join(root, ".own-suites");
  mkdirSync(copied);
  mkdirSync(own);
  // Moved since that revision: the copy imports a module the revision lacks, its own suite does not.
  writeFileSync(join(copied, "moved.bench.ts"), `import "./not-at-this-revision.ts";\n${suite("Moved/copy")}`);
  writeFileSync(join(own, "moved.bench.ts"), suite("Moved/own"));
  writeFileSync(join(copied, "fine.bench.ts"), suite("Fine/copy"));
  writeFileSync(join(own, "fine.bench.ts"), suite("Fine/own"));
  writeFileSync(join(copied, "new.bench.ts"), `import "./code-under-test-missing.ts";\n${suite("New/copy")}`);
  const err = spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    const names = (await loadSuites(copied, own)).map((s) => s.name);
    expect(names).toEqual(["Fine/copy", "Moved/own"]);
    const lines = err.mock.calls.map((c) => String(c[0]));
    expect(lines.some((l) => l.startsWith("bench: suite moved.bench.ts: this checkout's copy cannot run at this revision (") && l.includes("ran the revision's own"))).toBe(true);
    expect(lines.some((l) => l.startsWith("bench: skipping suite new.bench.ts: "))).toBe(true);
  } finally {
    err.mockRestore();
  }
});
