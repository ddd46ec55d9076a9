/**
 * Admission control, two-sided at every bound: exactly at the limit is
 * admitted, one over is shed (503, Retry-After, counted by reason). Time is
 * an injected clock; nothing here waits for time to pass.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { Admission, LATE_TICKS, WARM_ADMITTED } from "../../src/http/admission.ts";
import { ClientError } from "../../src/http/errors.ts";

const req = (signal?: AbortSignal, headers: Record<string, string> = {}) => new Request("http://localhost/enrich", { method: "POST", signal, headers });
const clock = () => {
  let t = 1_000;
  return { now: () => t, set: (v: number) => (t = v) };
};

/** The ClientError a call threw (or the value of a rejected promise), else null. */
async function shedOf(f: () => unknown): Promise<ClientError | null> {
  try {
    await f();
    return null;
  } catch (e) {
    if (e instanceof ClientError) return e;
    throw e;
  }
}

const gates: Admission[] = [];
/** A gate whose enter() promises are marked handled: waiters a test leaves behind are shed by stop() in afterEach. */
const gate = (...a: ConstructorParameters<typeof Admission>) => {
  const g = new Admission(...a);
  const enter = g.enter.bind(g);
  g.enter = (r, n) => {
    const out = enter(r, n);
    if (out instanceof Promise) out.catch(() => {});
    return out;
  };
  gates.push(g);
  return g;
};
afterEach(() => gates.splice(0).forEach((g) => g.stop()));

describe("requests in progress", () => {
  test("exactly `requests` are admitted at once; the next waits, and is admitted when one leaves", async () => {
    const g = gate({ requests: 2, queue: 1, queueMs: 60_000 });
    const a = (await g.enter(req(), 1)) as { leave(): void };
    await g.enter(req(), 1);
    expect(g.stats()).toMatchObject({ requests: 2, queued: 0 });
    const third = g.enter(req(), 1);
    expect(third).toBeInstanceOf(Promise);
    expect(g.stats().queued).toBe(1);
    a.leave();
    await third;
    expect(g.stats()).toMatchObject({ requests: 2, queued: 0, admitted: 3 });
  });

  test("the queue holds exactly `queue` waiters; one more is a 503 at once, with Retry-After", async () => {
    const g = gate({ requests: 1, queue: 2, queueMs: 60_000, retryAfterS: 3 });
    await g.enter(req(), 1);
    const waiting = [g.enter(req(), 1), g.enter(req(), 1)];
    expect(g.stats().queued).toBe(2);
    const e = await shedOf(() => g.enter(req(), 1));
    expect({ status: e?.status, retry: e?.headers["retry-after"], shed: g.stats().shed.queue_full }).toEqual({ status: 503, retry: "3", shed: 1 });
    // The arrival check sheds before the body is read once the queue is full and nothing fits; the connection
    // stays open (closing every shed connection under overload is a reconnect storm).
    const early = await shedOf(() => g.checkpoint(req(), true));
    expect({ status: early?.status, connection: early?.headers.connection }).toEqual({ status: 503, connection: undefined });
    expect(g.stats().shed.queue_full).toBe(2);
    void waiting;
  });

  test("a waiter not admitted within queueMs is shed (queue_timeout); one admitted in time is not", async () => {
    const g = gate({ requests: 1, queue: 4, queueMs: 0 });
    const first = (await g.enter(req(), 1)) as { leave(): void };
    const e = await shedOf(() => g.enter(req(), 1));
    expect({ status: e?.status, shed: g.stats().shed.queue_timeout, queued: g.stats().queued }).toEqual({ status: 503, shed: 1, queued: 0 });
    const g2 = gate({ requests: 1, queue: 4, queueMs: 60_000 });
    const held = (await g2.enter(req(), 1)) as { leave(): void };
    const waiter = g2.enter(req(), 1);
    held.leave();
    expect(await shedOf(() => waiter)).toBeNull();
    first.leave();
  });

  test("a waiting request whose client goes is dropped (client_gone), and frees its queue place", async () => {
    const g = gate({ requests: 1, queue: 1, queueMs: 60_000 });
    await g.enter(req(), 1);
    const ac = new AbortController();
    const waiter = g.enter(req(ac.signal), 1);
    ac.abort();
    expect((await shedOf(() => waiter))?.status).toBe(503);
    expect(g.stats()).toMatchObject({ queued: 0, shed: { client_gone: 1 } });
  });
});

describe("events in progress", () => {
  test("batches summing exactly to `events` run together; one event more waits", async () => {
    const g = gate({ requests: 10, events: 100, queue: 4, queueMs: 60_000 });
    const a = (await g.enter(req(), 60)) as { leave(): void };
    await g.enter(req(), 40);
    expect(g.stats().events).toBe(100);
    const over = g.enter(req(), 1);
    expect(over).toBeInstanceOf(Promise);
    a.leave();
    await over;
    expect(g.stats()).toMatchObject({ events: 41, queued: 0 });
  });

  test("a batch larger than the whole budget runs alone instead of never", async () => {
    const g = gate({ requests: 10, events: 100, queue: 4, queueMs: 60_000 });
    const big = (await g.enter(req(), 5_000)) as { leave(): void };
    expect(g.stats().events).toBe(5_000);
    const small = g.enter(req(), 1);
    expect(small).toBeInstanceOf(Promise);
    big.leave();
    await small;
  });

  test("FIFO: a fat head is not overtaken by thin requests behind it", async () => {
    const g = gate({ requests: 10, events: 100, queue: 4, queueMs: 60_000 });
    const a = (await g.enter(req(), 90)) as { leave(): void };
    const fat = g.enter(req(), 50);
    const thin = g.enter(req(), 1);
    expect(g.stats().queued).toBe(2);
    a.leave();
    await Promise.all([fat, thin]);
    expect(g.stats().events).toBe(51);
  });
});

describe("the wait bound", () => {
  test("is queueMs until throughput is known, then twice a request's expected service time when that is longer", async () => {
    const c = clock();
    const g = gate({ queueMs: 25 }, c.now);
    expect(g.waitBoundMs(1000)).toBe(25);
    // 1,000 events finished in 100 ms of busy time: 10 events per ms.
    const s = (await g.enter(req(), 1000)) as { leave(): void };
    c.set(c.now() + 100);
    s.leave();
    expect({ thin: g.waitBoundMs(1), fat: g.waitBoundMs(1000) }).toEqual({ thin: 25, fat: 200 });
  });

  test("a request whose expected wait is over its bound is shed at once (queue_wait); one just under it waits", async () => {
    const c = clock();
    const g = gate({ requests: 1, events: 10_000, queue: 100, queueMs: 25 }, c.now);
    // Measure: 10 requests of 1 event in 100 ms → 0.1 requests/ms, 0.1 events/ms.
    for (let i = 0; i < 10; i++) {
      const s = (await g.enter(req(), 1)) as { leave(): void };
      c.set(c.now() + 10);
      s.leave();
    }
    await g.enter(req(), 1); // the one slot, taken
    // Ahead of a newcomer: the request in progress (10 ms at 0.1/ms) and the waiters. 1 waiter → 20 ms expected; 2 → 30 ms.
    const waiting = g.enter(req(), 1);
    expect({ expected: g.expectedWaitMs(1), queued: g.stats().queued }).toEqual({ expected: 20, queued: 1 });
    const second = g.enter(req(), 1);
    expect(second).toBeInstanceOf(Promise);
    expect((await shedOf(() => g.enter(req(), 1)))?.status).toBe(503);
    expect(g.stats().shed.queue_wait).toBe(1);
    void waiting;
  });
});

describe("stage boundaries", () => {
  test("deadline: exactly deadlineMs after arrival passes, 1 ms later is shed", async () => {
    const c = clock();
    const g = gate({ deadlineMs: 100 }, c.now);
    const r = req();
    g.checkpoint(r, true);
    c.set(1_100);
    expect(await shedOf(() => g.checkpoint(r))).toBeNull();
    c.set(1_101);
    expect((await shedOf(() => g.checkpoint(r)))?.status).toBe(503);
    expect(g.stats().shed.deadline).toBe(1);
  });

  test("the deadline counts from the client's X-Request-Start when it sends one", async () => {
    const g = gate({ deadlineMs: 50 });
    const sentMs = performance.timeOrigin + performance.now() - 60;
    expect((await shedOf(() => g.checkpoint(req(undefined, { "x-request-start": `t=${Math.round(sentMs * 1000)}` }), true)))?.status).toBe(503);
    expect(await shedOf(() => g.checkpoint(req(undefined, { "x-request-start": `t=${Math.round((sentMs + 30) * 1000)}` }), true))).toBeNull();
  });

  test("a request whose client has gone is dropped at the next boundary", async () => {
    const ac = new AbortController();
    const r = req(ac.signal);
    const g = gate();
    g.checkpoint(r, true);
    ac.abort();
    expect((await shedOf(() => g.checkpoint(r)))?.status).toBe(503);
    expect((await shedOf(() => g.enter(r, 1)))?.status).toBe(503);
    expect(g.stats().shed.client_gone).toBe(2);
  });

  test("loop stall: LATE_TICKS ticks each exactly loopStallMs late admit; each 1 ms later sheds; one on-time tick clears it", async () => {
    const c = clock();
    const g = gate({ loopStallMs: 20 }, c.now).start();
    const ticks = (lateBy: number, n: number) => {
      for (let i = 0; i < n; i++) (c.set(c.now() + 5 + lateBy), g.sampleLoop());
    };
    ticks(20, LATE_TICKS);
    expect(await shedOf(() => g.checkpoint(req(), true))).toBeNull();
    ticks(21, LATE_TICKS - 1);
    expect(await shedOf(() => g.checkpoint(req(), true))).toBeNull();
    ticks(21, 1);
    expect((await shedOf(() => g.checkpoint(req(), true)))?.status).toBe(503);
    ticks(0, 1);
    expect(await shedOf(() => g.checkpoint(req(), true))).toBeNull();
    expect(g.stats().shed.loop_stall).toBe(1);
  });

  test("a body completing after the loop went loopStallMs (+ the probe period) without a timer turn passes; 1 ms more is shed", async () => {
    const c = clock();
    const g = gate({ loopStallMs: 20 }, c.now).start();
    const r = req();
    g.checkpoint(r, true);
    // Cold (fewer than WARM_ADMITTED admitted): never shed by this rule.
    c.set(1_000 + 5 + 500);
    expect(await shedOf(() => g.checkpoint(r, false, true))).toBeNull();
    for (let i = 0; i < WARM_ADMITTED; i++) ((await g.enter(req(), 1)) as { leave(): void }).leave();
    c.set(1_000);
    g.sampleLoop();
    c.set(c.now() + 5 + 20);
    expect(await shedOf(() => g.checkpoint(r, false, true))).toBeNull();
    c.set(c.now() + 1);
    expect((await shedOf(() => g.checkpoint(r, false, true)))?.status).toBe(503);
    expect(g.stats().shed.loop_stall).toBe(1);
  });

  /** A started gate past its warm-up, its last probe tick at t = 1,000. */
  const warmGate = async (limits: ConstructorParameters<typeof Admission>[0]) => {
    const c = clock();
    const g = gate(limits, c.now).start();
    for (let i = 0; i < WARM_ADMITTED; i++) ((await g.enter(req(), 1)) as { leave(): void }).leave();
    c.set(1_000);
    g.sampleLoop();
    return { c, g };
  };

  test("a request arriving after the loop went loopStallMs (+ the probe period) without a timer turn passes; 1 ms more is shed before its body", async () => {
    const { c, g } = await warmGate({ loopStallMs: 20 });
    c.set(1_000 + 5 + 20);
    expect(await shedOf(() => g.checkpoint(req(), true))).toBeNull();
    c.set(c.now() + 1);
    expect((await shedOf(() => g.checkpoint(req(), true)))?.status).toBe(503);
    expect(g.stats().shed.loop_stall).toBe(1);
  });

  test("after a loop_stall shed the bound is overloadLoopStallMs until overloadHoldMs pass without one; then loopStallMs again", async () => {
    const { c, g } = await warmGate({ loopStallMs: 20, overloadLoopStallMs: 4, overloadHoldMs: 100 });
    const busyFor = (ms: number) => {
      g.sampleLoop();
      c.set(c.now() + 5 + ms);
    };
    expect(g.stats().overloaded).toBe(false);
    busyFor(5);
    expect(await shedOf(() => g.checkpoint(req(), true))).toBeNull();
    busyFor(21);
    expect((await shedOf(() => g.checkpoint(req(), true)))?.status).toBe(503);
    const shedAt = c.now();
    expect(g.stats().overloaded).toBe(true);
    // Overloaded: 4 ms of busy loop passes, 5 sheds.
    busyFor(4);
    expect(await shedOf(() => g.checkpoint(req(), false, true))).toBeNull();
    busyFor(5);
    expect((await shedOf(() => g.checkpoint(req(), false, true)))?.status).toBe(503);
    const lastShed = c.now();
    expect(lastShed - shedAt).toBeLessThan(100);
    // 100 ms after the last shed the tight bound no longer holds; 1 ms before it still does.
    g.sampleLoop();
    c.set(lastShed + 99);
    expect(g.stats().overloaded).toBe(true);
    g.sampleLoop();
    c.set(lastShed + 100);
    expect(g.stats().overloaded).toBe(false);
    g.sampleLoop();
    c.set(c.now() + 5 + 20);
    expect(await shedOf(() => g.checkpoint(req(), true))).toBeNull();
    expect(g.stats().shed.loop_stall).toBe(2);
  });

  test("a shed at arrival counts as unread (enrich_http_shed_unread_total); one after the body is read does not", async () => {
    const { c, g } = await warmGate({ loopStallMs: 20 });
    c.set(1_000 + 5 + 21);
    expect((await shedOf(() => g.checkpoint(req(), true)))?.status).toBe(503);
    expect((await shedOf(() => g.checkpoint(req(), false, true)))?.status).toBe(503);
    expect({ loopStall: g.stats().shed.loop_stall, unread: g.stats().shedUnread }).toEqual({ loopStall: 2, unread: 1 });
  });

  test("the tight bound never loosens the usual one", async () => {
    const { c, g } = await warmGate({ loopStallMs: 3, overloadLoopStallMs: 10, overloadHoldMs: 100 });
    c.set(1_000 + 5 + 4);
    expect((await shedOf(() => g.checkpoint(req(), true)))?.status).toBe(503);
    g.sampleLoop();
    c.set(c.now() + 5 + 4);
    expect((await shedOf(() => g.checkpoint(req(), true)))?.status).toBe(503);
  });

  test("a single long stall (start-up, a GC) sheds nothing", async () => {
    const c = clock();
    const g = gate({ loopStallMs: 20 }, c.now).start();
    c.set(c.now() + 5_000);
    // The first arrival after the stall, before the probe's tick, and after it.
    expect(await shedOf(() => g.checkpoint(req(), true))).toBeNull();
    g.sampleLoop();
    expect(await shedOf(() => g.checkpoint(req(), true))).toBeNull();
  });

  test("without start() (app.handle tests) there is no loop-stall shedding", async () => {
    const c = clock();
    const g = gate({ loopStallMs: 1 }, c.now);
    c.set(1_000_000);
    expect(await shedOf(() => g.checkpoint(req(), true))).toBeNull();
  });

  test("draining: new requests get 503 with Connection: close", async () => {
    const g = gate();
    g.drain();
    const e = await shedOf(() => g.checkpoint(req(), true));
    expect({ status: e?.status, connection: e?.headers.connection, draining: g.draining }).toEqual({ status: 503, connection: "close", draining: true });
  });
});

describe("concurrent body bytes", () => {
  test("reservations summing exactly to the budget pass; one byte more is shed (body_bytes)", async () => {
    const g = gate({ bodyBytes: 1600 });
    const leases = Array.from({ length: 16 }, () => g.reserveBody(100));
    expect(g.stats().bodyBytes).toBe(1600);
    expect((await shedOf(() => g.reserveBody(1)))?.status).toBe(503);
    leases[0]!.release();
    leases[0]!.release(); // releasing twice is harmless
    g.reserveBody(100);
    expect(g.stats()).toMatchObject({ bodyBytes: 1600, shed: { body_bytes: 1 } });
  });

  test("large bodies (over 1/16 of the budget) hold at most 3/4 of it; small ones still fit in the rest", async () => {
    const g = gate({ bodyBytes: 1600 });
    g.reserveBody(600);
    g.reserveBody(600);
    expect((await shedOf(() => g.reserveBody(101)))?.status).toBe(503);
    for (let i = 0; i < 4; i++) expect(await shedOf(() => g.reserveBody(100))).toBeNull();
    expect((await shedOf(() => g.reserveBody(1)))?.status).toBe(503);
  });

  test("a chunked body's lease grows with its chunks: to exactly the budget passes, a byte more is shed", async () => {
    const g = gate({ bodyBytes: 1600 });
    const other = g.reserveBody(100);
    const chunked = g.reserveBody(0);
    for (let i = 0; i < 15; i++) chunked.grow(100);
    expect(g.stats().bodyBytes).toBe(1600);
    expect((await shedOf(() => chunked.grow(1)))?.status).toBe(503);
    other.release();
    chunked.release();
    expect(g.stats().bodyBytes).toBe(0);
  });

  test("a body bigger than the whole budget is read alone", () => {
    const g = gate({ bodyBytes: 1000 });
    const lease = g.reserveBody(5_000);
    expect(() => g.reserveBody(1)).toThrow(ClientError);
    lease.release();
    expect(g.stats().bodyBytes).toBe(0);
  });
});
