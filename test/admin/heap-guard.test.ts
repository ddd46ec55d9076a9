/**
 * Heap snapshots, guarded: one at a time (409 until the first's body has
 * been read), and refused above a heap size unless forced (422), two-sided.
 */
import { expect, test } from "bun:test";
import { beginHeapSnapshot, HeapSnapshotRefusal } from "../../src/admin/heap.ts";
import { createAdminHub } from "../../src/admin/hub.ts";
import { createAdminApp } from "../../src/admin/server.ts";

const refusal = (f: () => unknown) => {
  try {
    f();
    return null;
  } catch (e) {
    if (e instanceof HeapSnapshotRefusal) return e.status;
    throw e;
  }
};

test("a second snapshot while one is unfinished is 409; after done() it runs", () => {
  const first = beginHeapSnapshot({ maxBytes: Infinity });
  expect(refusal(() => beginHeapSnapshot({ maxBytes: Infinity }))).toBe(409);
  first.done();
  const second = beginHeapSnapshot({ maxBytes: Infinity });
  expect(second.text.startsWith("{")).toBe(true);
  second.done();
});

test("over the heap limit: 422 unless forced; under it, taken", () => {
  const used = process.memoryUsage().heapUsed;
  expect(refusal(() => beginHeapSnapshot({ maxBytes: used / 2 }))).toBe(422);
  const forced = beginHeapSnapshot({ maxBytes: used / 2, force: true });
  forced.done();
  const under = beginHeapSnapshot({ maxBytes: used * 4 });
  under.done();
});

test("through the admin route: the guard holds until the body has been read", async () => {
  const hub = createAdminHub({ blockProfileRate: 0, mutexProfileFraction: 0, variant: "v0", workerId: 0 });
  let sent = 0;
  hub.afterHeapSnapshot = () => sent++;
  const app = createAdminApp(hub);
  const get = (q = "") => app.handle(new Request(`http://localhost/debug/pprof/heap?format=snapshot${q}`));
  const first = await get();
  const busy = await get();
  expect({ first: first.status, busy: busy.status, sent }).toEqual({ first: 200, busy: 409, sent: 0 });
  await first.text();
  const again = await get();
  expect({ again: again.status, sent }).toEqual({ again: 200, sent: 1 });
  await again.text();
  hub.gc.stop?.();
});
