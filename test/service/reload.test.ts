/**
 * Hot reload of the real service under steady load: 0 failed requests while
 * the index is swapped, answers switch to the new index's data, a corrupt new
 * index is refused (422) while the old one serves on, and SIGHUP reloads the
 * served directory after its files were replaced by rename, without stopping.
 */
import { afterAll, expect, test } from "bun:test";
import { cpSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HEADER_BYTES } from "../../src/index/format.ts";
import { openTsIndex } from "../../src/index/ts-index.ts";
import { builtIndex, scratch } from "../support/fixtures.ts";
import { spawnTestService, type RunningService } from "../support/service.ts";

const root = scratch();
const A = builtIndex(10_000, 42), B = builtIndex(10_000, 43);
const served = join(root, "served");
cpSync(A, served, { recursive: true });
const corrupt = join(root, "corrupt");
cpSync(B, corrupt, { recursive: true });
const bytes = readFileSync(join(corrupt, "payload-000.bin"));
bytes[HEADER_BYTES + 5]! ^= 0xff;
writeFileSync(join(corrupt, "payload-000.bin"), bytes);

/** Replaces every file of `dir` by rename with `from`'s (the way an index is published). */
function publish(from: string, dir: string): void {
  const stage = join(root, `stage-${Math.random().toString(36).slice(2)}`);
  mkdirSync(stage);
  for (const f of readdirSync(from)) {
    cpSync(join(from, f), join(stage, f));
    renameSync(join(stage, f), join(dir, f));
  }
}

const firstKey = (dir: string) => {
  const w = openTsIndex(dir).mapped.keys[0]!;
  return ((BigInt(w[1]!) << 32n) | BigInt(w[0]!)).toString();
};
const keyA = firstKey(A), keyB = firstKey(B);

let svc: RunningService;
afterAll(async () => svc && (await svc.stop()));

const found = async (key: string) => {
  const res = await fetch(`${svc.url}/enrich`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ events: [{ key, attrs: {} }] }) });
  return ((await res.json()) as { results: { found: boolean }[] }).results[0]!.found;
};

/** Keeps `n` requests in flight until stopped; returns the statuses seen. */
function steadyLoad(n: number) {
  const statuses: Record<string, number> = {};
  let running = true;
  const workers = Array.from({ length: n }, async () => {
    while (running) {
      const key = Math.random() < 0.5 ? keyA : keyB;
      let status = "error";
      try {
        const res = await fetch(`${svc.url}/enrich`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ events: [{ key, attrs: {} }] }) });
        await res.arrayBuffer();
        status = String(res.status);
      } catch {}
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  });
  return async () => ((running = false), await Promise.all(workers), statuses);
}

test("reload under load: no failures, new data served; a corrupt index is refused; SIGHUP reloads", async () => {
  svc = await spawnTestService(["--index", served]);
  const admin = (path: string) => fetch(`${svc.adminUrl}${path}`, { method: "POST" });
  expect({ a: await found(keyA), b: await found(keyB) }).toEqual({ a: true, b: false });

  // B's files published over the served directory by rename, then reloaded under load.
  publish(B, served);
  const stop = steadyLoad(8);
  const reloaded = await admin("/admin/reload");
  expect(reloaded.status).toBe(200);
  const refused = await admin(`/admin/reload?dir=${encodeURIComponent(corrupt)}`);
  const refusal = (await refused.json()) as { error: string };
  const statuses = await stop();
  expect({ refused: refused.status, names: refusal.error.includes("payload-000.bin"), statuses: Object.keys(statuses) }).toEqual({ refused: 422, names: true, statuses: ["200"] });
  // The reload's data, and the refused index changed nothing.
  expect({ a: await found(keyA), b: await found(keyB) }).toEqual({ a: false, b: true });

  // SIGHUP: A's files published again; the signal reloads the served directory.
  publish(A, served);
  const reloads = () => (svc.log().match(/index reloaded/g) ?? []).length;
  const before = reloads();
  svc.proc.kill("SIGHUP");
  await svc.waitForLog(new RegExp(`(index reloaded[^]*){${before + 1}}`), 10_000);
  expect({ alive: svc.proc.exitCode, a: await found(keyA), b: await found(keyB) }).toEqual({ alive: null, a: true, b: false });
  const metrics = await (await fetch(`${svc.adminUrl}/metrics`)).text();
  expect(metrics).toMatch(/enrich_index_reloads_total\{result="ok"[^}]*\} 2/);
  expect(metrics).toMatch(/enrich_index_reloads_total\{result="refused"[^}]*\} 1/);
});
