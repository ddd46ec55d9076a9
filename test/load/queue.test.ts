import { expect, test } from "bun:test";
import fc from "fast-check";
import { NumberQueue } from "../../src/load/queue.ts";

test("NumberQueue is a FIFO through growth and wrap-around", () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.double({ noNaN: true }), fc.constant<"shift">("shift")), { maxLength: 5000 }), (ops) => {
      const q = new NumberQueue();
      const model: number[] = [];
      for (const op of ops) {
        if (op === "shift") {
          if (model.length === 0) continue;
          expect(q.peek()).toBe(model[0]!);
          expect(q.shift()).toBe(model.shift()!);
        } else {
          q.push(op);
          model.push(op);
        }
        expect(q.length).toBe(model.length);
      }
    }),
    { numRuns: 50 },
  );
});

test("NumberQueue keeps order when it grows while wrapped", () => {
  const q = new NumberQueue();
  for (let i = 0; i < 1000; i++) q.push(i);
  for (let i = 0; i < 700; i++) expect(q.shift()).toBe(i);
  for (let i = 1000; i < 5000; i++) q.push(i); // wraps, then grows twice
  const out: number[] = [];
  while (q.length) out.push(q.shift());
  expect(out).toEqual(Array.from({ length: 4300 }, (_, k) => k + 700));
});
