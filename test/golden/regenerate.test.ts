/** regenerate.ts rewrites the golden files only when run bare: --help answers, anything else is refused, and neither touches them. */
import { expect, test } from "bun:test";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const HERE = import.meta.dir;
const GOLDEN = ["requests.ndjson", "responses.ndjson"].map((f) => join(HERE, f));
// Bytes and modification times: a rewrite with the same bytes is still a rewrite.
const golden = () => GOLDEN.map((f) => ({ bytes: readFileSync(f), mtimeMs: statSync(f).mtimeMs }));

async function regenerate(...args: string[]) {
  await using proc = Bun.spawn([process.execPath, join(HERE, "regenerate.ts"), ...args], { stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, code };
}

test.each([
  [["--help"], 0, "Usage: bun test/golden/regenerate.ts\n", ""],
  [["-h"], 0, "Usage: bun test/golden/regenerate.ts\n", ""],
  [["--bogus"], 2, "", "error: Unknown option '--bogus'"],
  [["now"], 2, "", "error: Unexpected argument 'now'"],
])("regenerate.ts %j: exit %d, golden files untouched", async (args, code, stdout, stderr) => {
  const before = golden();
  const r = await regenerate(...args);
  expect(r.code).toBe(code);
  expect(r.stdout).toStartWith(stdout);
  expect(r.stderr).toStartWith(stderr);
  expect(golden()).toEqual(before);
});
