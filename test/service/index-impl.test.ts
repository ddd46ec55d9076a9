/** `--index-impl ts|native` on the real listener: the choice serves, and says so in /healthz and the ready line; without a compiler, native is a clear error and ts still serves. */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { KeySpace } from "../../src/domain/keys.ts";
import { PROJECT_ROOT } from "../../src/root.ts";
import { builtIndex, scratch } from "../support/fixtures.ts";
import { implsUnderTest } from "../support/native.ts";
import { spawnTestService } from "../support/service.ts";

const dir = builtIndex(20_000, 5);
const ks = new KeySpace(5);

for (const impl of implsUnderTest()) {
  test(`--index-impl ${impl} serves and reports itself`, async () => {
    const svc = await spawnTestService(["--index", dir, "--index-impl", impl]);
    try {
      const health = (await (await fetch(`${svc.url}/healthz`)).json()) as Record<string, unknown>;
      const res = await fetch(`${svc.url}/enrich`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ events: [{ key: ks.keyString(7), attrs: {} }, { key: "1", attrs: {} }] }) });
      const found = ((await res.json()) as { results: { found: boolean }[] }).results.map((r) => r.found);
      expect({ impl: health.indexImpl, entries: health.entries, found, line: new RegExp(`${impl} lookup, mapped \\d+ bytes`).test(svc.log()) }).toEqual({ impl, entries: 20_000, found: [true, false], line: true });
    } finally {
      await svc.stop();
    }
  });
}

test("without a C compiler, --index-impl native exits 1 with a message that names the way out (--index-impl ts)", () => {
  const env = { ...process.env, CC: "/nonexistent/cc", ENRICH_NATIVE_BUILD_DIR: join(scratch(), "native-build") };
  const r = Bun.spawnSync([process.execPath, "src/server.ts", "--index", dir, "--index-impl", "native", "--port", "0", "--admin-port", "0", "--host", "127.0.0.1"], { cwd: PROJECT_ROOT, env, stdout: "pipe", stderr: "pipe" });
  expect({ exit: r.exitCode, stderr: r.stderr.toString().trim() }).toEqual({ exit: 1, stderr: "error: cannot build the native index: no C compiler ('/nonexistent/cc' not found; install gcc or set CC). The pure-TS index needs none: --index-impl ts" });
});

test("a bad --index-impl is a usage error (exit 2)", () => {
  const r = Bun.spawnSync([process.execPath, "src/server.ts", "--index-impl", "rust"], { cwd: PROJECT_ROOT, stdout: "pipe", stderr: "pipe" });
  expect({ exit: r.exitCode, stderr: r.stderr.toString().trim() }).toEqual({ exit: 2, stderr: "error: --index-impl: expected one of ts, native, got 'rust'" });
});

test("without a C compiler, the default variant serves with the JS writer: the same bytes as with the library", async () => {
  const body = JSON.stringify({ events: [{ key: ks.keyString(7), attrs: { a: "b" } }, { key: ks.keyString(8), attrs: {} }, { key: "1", attrs: {} }] });
  const answer = async (env?: Record<string, string>) => {
    const svc = await spawnTestService(["--index", dir], env ? { env } : {});
    try {
      const res = await fetch(`${svc.url}/enrich`, { method: "POST", headers: { "content-type": "application/json" }, body });
      return { status: res.status, text: await res.text() };
    } finally {
      await svc.stop();
    }
  };
  const without = await answer({ ...(process.env as Record<string, string>), CC: "/nonexistent/cc", ENRICH_NATIVE_BUILD_DIR: join(scratch(), "native-build") });
  expect(without.status).toBe(200);
  expect(without).toEqual(await answer());
});

test("a bad --warmup-batches is a usage error (exit 2)", () => {
  const r = Bun.spawnSync([process.execPath, "src/server.ts", "--warmup-batches", "1.5"], { cwd: PROJECT_ROOT, stdout: "pipe", stderr: "pipe" });
  expect({ exit: r.exitCode, stderr: r.stderr.toString().trim() }).toEqual({ exit: 2, stderr: "error: --warmup-batches: expected an integer ≥ 0, got 1.5" });
});

test("a --loop-stall of a second or more is a usage error: a bare number is seconds, and 15 s would switch shedding off", () => {
  const r = Bun.spawnSync([process.execPath, "src/server.ts", "--loop-stall", "15"], { cwd: PROJECT_ROOT, stdout: "pipe", stderr: "pipe" });
  expect({ exit: r.exitCode, stderr: r.stderr.toString().trim() }).toEqual({ exit: 2, stderr: "error: --loop-stall: expected a bound under 1s, such as 25ms (0 = off), got 15000 ms (a bare number is seconds)" });
});

test("an --overload-loop-stall of a second or more is a usage error too", () => {
  const r = Bun.spawnSync([process.execPath, "src/server.ts", "--overload-loop-stall", "5"], { cwd: PROJECT_ROOT, stdout: "pipe", stderr: "pipe" });
  expect({ exit: r.exitCode, stderr: r.stderr.toString().trim() }).toEqual({ exit: 2, stderr: "error: --overload-loop-stall: expected a bound under 1s, such as 5ms, got 5000 ms (a bare number is seconds)" });
});
