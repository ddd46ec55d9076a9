/**
 * DeadlineList on an injected clock: waits fail at their deadline and not
 * before, settle normally otherwise, and share one timer (which is the point:
 * no timer per body read). No test here waits for time to pass.
 */
import { describe, expect, test } from "bun:test";
import { DeadlineList, type TimerClock } from "../../src/http/deadlines.ts";

/** A clock whose time moves only when told, firing due timers in deadline order. */
function fakeClock() {
  let t = 0;
  let armed: { at: number; fn: () => void; id: number }[] = [];
  let ids = 0;
  const clock: TimerClock & { advance(ms: number): void; sets: number; live: () => number } = {
    sets: 0,
    now: () => t,
    set(fn, ms) {
      clock.sets++;
      const timer = { at: t + ms, fn, id: ++ids };
      armed.push(timer);
      return timer.id;
    },
    clear: (id) => void (armed = armed.filter((a) => a.id !== id)),
    advance(ms) {
      const to = t + ms;
      for (;;) {
        const due = armed.filter((a) => a.at <= to).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        armed = armed.filter((a) => a !== due);
        t = due.at;
        due.fn();
      }
      t = to;
    },
    live: () => armed.length,
  };
  return clock;
}

const late = (ms: number) => new Error(`late after ${ms} ms`);
/** A promise with its resolve and reject outside. */
function pending<T>() {
  let resolve!: (v: T) => void, reject!: (e: Error) => void;
  const p = new Promise<T>((a, b) => ((resolve = a), (reject = b)));
  return { p, resolve, reject };
}
const outcome = <T>(p: Promise<T>) => p.then((v) => ({ ok: v }), (e: Error) => ({ err: e.message }));
const flush = () => new Promise((r) => setImmediate(r));

describe("DeadlineList", () => {
  test("work that settles in time gives its own value or error; the list is left empty", async () => {
    const clock = fakeClock();
    const list = new DeadlineList(clock);
    const a = pending<number>(), b = pending<number>();
    const ra = outcome(list.within(a.p, 100, late)), rb = outcome(list.within(b.p, 100, late));
    expect(list.size).toBe(2);
    clock.advance(99);
    a.resolve(7);
    b.reject(new Error("client reset"));
    expect([await ra, await rb]).toEqual([{ ok: 7 }, { err: "client reset" }]);
    expect(list.size).toBe(0);
  });

  test("a wait fails exactly at its deadline, not a tick before; settling later changes nothing", async () => {
    const clock = fakeClock();
    const list = new DeadlineList(clock);
    const w = pending<number>();
    let settled: unknown;
    void outcome(list.within(w.p, 50, late)).then((o) => (settled = o));
    clock.advance(49.999);
    await flush();
    expect(settled).toBeUndefined();
    clock.advance(0.001);
    await flush();
    expect(settled).toEqual({ err: "late after 50 ms" });
    w.resolve(1);
    await flush();
    expect(settled).toEqual({ err: "late after 50 ms" });
    expect(list.size).toBe(0);
  });

  test("a thousand waits of one length that all settle in time arm one timer, not one each", async () => {
    const clock = fakeClock();
    const list = new DeadlineList(clock);
    for (let i = 0; i < 1000; i++) {
      const w = pending<number>();
      const r = list.within(w.p, 10_000, late);
      clock.advance(1);
      w.resolve(i);
      await r;
    }
    expect(clock.sets).toBe(1);
    // The armed timer fires on an empty list and arms nothing more.
    clock.advance(10_000);
    expect([clock.sets, clock.live()]).toEqual([1, 0]);
  });

  test("waits of different lengths each fail at their own deadline, in deadline order", async () => {
    const clock = fakeClock();
    const list = new DeadlineList(clock);
    const failedAt: Record<string, number> = {};
    for (const [name, ms] of [["long", 300], ["short", 100], ["mid", 200], ["short2", 100]] as const) {
      void list.within(pending<never>().p, ms, late).catch(() => (failedAt[name] = clock.now()));
    }
    for (let t = 0; t < 400; t += 50) {
      clock.advance(50);
      await flush();
    }
    expect(failedAt).toEqual({ short: 100, short2: 100, mid: 200, long: 300 });
    expect(list.size).toBe(0);
  });
});
