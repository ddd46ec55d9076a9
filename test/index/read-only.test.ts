/**
 * A read-only index serves: files 0444 in a 0555 directory, opened by an
 * unprivileged user (uid 65534), where Bun.mmap's O_RDWR is refused. Runs the
 * real service as that user (needs root to switch users, and setpriv; skips
 * loudly otherwise) and compares its answers with the same index opened here.
 */
import { afterAll, expect, test } from "bun:test";
import { chmodSync, cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mapReadOnly } from "../../src/index/map-readonly.ts";
import { openTsIndex } from "../../src/index/ts-index.ts";
import { builtIndex } from "../support/fixtures.ts";
import { spawnTestService } from "../support/service.ts";

const NOBODY = 65534;
const canSwitch = process.getuid?.() === 0 && Bun.which("setpriv") !== null;
if (!canSwitch) console.warn("read-only.test: SKIPPED the unprivileged-user run (needs root and setpriv)");

// Our own temp dir (mkdtemp is 0700), opened up so the other user can reach the files.
const base = mkdtempSync(join(tmpdir(), "enrich-ro-"));
afterAll(() => {
  chmodSync(join(base, "idx"), 0o755);
  rmSync(base, { recursive: true, force: true });
});
const dir = join(base, "idx");
cpSync(builtIndex(10_000, 42), dir, { recursive: true });
for (const f of readdirSync(dir)) chmodSync(join(dir, f), 0o444);
chmodSync(dir, 0o555);
chmodSync(base, 0o755);

test("mapReadOnly maps the same bytes Bun.mmap does", () => {
  const file = join(dir, "dir.bin");
  const a = mapReadOnly(file, Bun.file(file).size);
  expect(Buffer.from(a).equals(Buffer.from(Bun.mmap(file, { shared: false })))).toBe(true);
});

test.skipIf(!canSwitch)("the service, run as uid 65534, serves a 0444 index with the pure-TS index", async () => {
  const svc = await spawnTestService(["--index", dir, "--verify-index", "full"], {
    prefix: ["setpriv", `--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups"],
    env: { HOME: base },
  });
  try {
    const here = openTsIndex(dir);
    // The index's first key (a hit) and a miss.
    const words = here.mapped.keys[0]!;
    const first = ((BigInt(words[1]!) << 32n) | BigInt(words[0]!)).toString();
    const keys = [first, "1"];
    const res = await fetch(`${svc.url}/enrich`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ events: keys.map((key) => ({ key, attrs: {} })) }) });
    const results = ((await res.json()) as { results: { found: boolean }[] }).results.map((r) => r.found);
    const health = (await (await fetch(`${svc.url}/healthz`)).json()) as { entries: number; pid: number };
    // The process really runs as the other user.
    const uid = Number(/^Uid:\s+(\d+)/m.exec(await Bun.file(`/proc/${health.pid}/status`).text())![1]);
    expect({ status: res.status, results, entries: health.entries, uid }).toEqual({ status: 200, results: [true, false], entries: here.entries, uid: NOBODY });
  } finally {
    await svc.stop();
  }
});
