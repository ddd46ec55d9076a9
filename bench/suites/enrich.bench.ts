/**
 * The enrich pipeline (src/enrich), stage by stage and whole, for every
 * registered variant where the function differs (a stage function shared by
 * several variants is measured once, under the first of them, except in an
 * A/B of variants), at the batch
 * sizes of the thin, default and fat mixes. Each op is one whole batch.
 *
 *   Begin        stages.begin: the per-request set-up
 *   ParseKey     stages.parseKey on every key of the batch
 *   Lookup       stages.lookup on every key (includes the variant's locking)
 *   LookupAll    stages.lookupAll of the batch's events
 *   Decode       stages.decode of every hit's position (the request scope built beforehand)
 *   Assemble     stages.assemble of the batch's positions into result objects (fieldsAt included)
 *   EnrichBatch  stages.enrichBatch of the validated request
 *   Serialize    stages.serialize of the batch's results
 *   Depth        the body's nesting-depth count the HTTP layer makes before parsing (the variant's scan, else nesting.ts's)
 *   Check        the checks of a one-pass variant's body (its checkBody on the bytes, else the one-pass loop and checkBeyondSchema on the parsed body)
 *   Handler      app.handle(POST /enrich): parse, validate, enrich, respond; no socket
 *
 * Every answer is checked against the oracle's (oracle/response.ts: the
 * formulas, never a variant), which every variant must match byte for byte.
 */
import { DEFAULT_LIMITS } from "../../src/config.ts";
import { isoSeconds } from "../../src/domain/payload.ts";
import { VARIANTS } from "../../src/enrich/registry.ts";
import { answerText, type EnrichContext, type Stages, type Variant } from "../../src/enrich/variant.ts";
import { createApp } from "../../src/http/app.ts";
import { nestingDepth } from "../../src/http/nesting.ts";
import { checkInOnePass } from "../../src/http/one-pass.ts";
import { checkBeyondSchema } from "../../src/http/schema.ts";
import * as ref from "../../oracle/formulas.ts";
import { expectedResponse } from "../../oracle/response.ts";
import { expectEqual, type BenchSpec, type Prepared } from "../harness/spec.ts";
import { keepBody } from "../../src/enrich/request-body.ts";
import { SIZES, benchIndex, keyHalves, requestBatch } from "./fixtures.ts";

// fieldsAt is measured inside Assemble (it needs the batch's memo); audit needs a Redis (bench/service-capacity.ts --audit measures it).
type Stage = Exclude<keyof Stages, "fieldsAt" | "audit" | "releaseAnswer"> | "depth" | "check" | "handler";

const NAMES: Record<Stage, string> = {
  begin: "Begin",
  parseKey: "ParseKey",
  lookup: "Lookup",
  lookupAll: "LookupAll",
  decode: "Decode",
  assemble: "Assemble",
  enrichBatch: "EnrichBatch",
  serialize: "Serialize",
  depth: "Depth",
  check: "Check",
  handler: "Handler",
};

const encoder = new TextEncoder();
const ctx = (): EnrichContext => ({ index: benchIndex(), limits: DEFAULT_LIMITS });

// The expected response text for a batch: the oracle's (a miss is a rank past the index, by construction), once per process.
const golden = new Map<number, string>();
const goldenText = (size: number) => {
  let g = golden.get(size);
  if (g === undefined) {
    const batch = requestBatch(size);
    golden.set(size, (g = expectedResponse(batch.req.events, (_, i) => !batch.miss[i])));
  }
  return g;
};

// ns-scale ops are timed in pinned batches of calls; everything at ≥ 100 events, or slower stages, call by call.
function batchFor(stage: Stage, size: number): number {
  if (size > 1 || stage === "enrichBatch" || stage === "handler") return 1;
  if (stage === "depth" || stage === "check") return 64;
  return 16;
}

// Serialize is not one: its input is the variant's own results (a decode that builds them differently changes its cost).
const LEAF_STAGES: ReadonlySet<Stage> = new Set<Stage>(["begin", "parseKey", "decode"]);

/** Whether the stage is measured for v: Check is the one-pass variants' sequence (a schema-validated variant's check is Elysia's, measured in Handler). */
const measured = (stage: Stage, v: Variant) => stage !== "check" || v.validation === "one-pass";

/** For each variant, the earlier variant whose function it shares for this stage, if any. */
function sharedWith(stage: Stage): Map<string, string> {
  const out = new Map<string, string>();
  if (stage === "depth" || stage === "check") {
    // One scan for every variant without its own: nesting.ts's (Depth), the one-pass loop (Check).
    const owner = new Map<unknown, string>();
    for (const v of VARIANTS.values()) {
      if (!measured(stage, v)) continue;
      const own = stage === "depth" ? v.nestingDepth : v.checkBody;
      const first = owner.get(own);
      if (first === undefined) owner.set(own, v.name);
      else out.set(v.name, first);
    }
    return out;
  }
  // Stages that call other stages through `this` run differently under a variant that replaced a callee: measured per variant.
  if (stage === "handler" || !LEAF_STAGES.has(stage)) return out;
  const leaf: keyof Stages = stage;
  const owner = new Map<unknown, string>();
  for (const v of VARIANTS.values()) {
    const f = v.stages[leaf];
    const first = owner.get(f);
    if (first === undefined) owner.set(f, v.name);
    else out.set(v.name, first);
  }
  return out;
}

async function prepare(stage: Stage, v: Variant, size: number): Promise<Prepared> {
  const batch = requestBatch(size);
  // The bytes the HTTP layer keeps for a variant that copies from them (keepBodyFrom, v18), as it would.
  if (size >= v.keepBodyFrom) keepBody(batch.req, encoder.encode(batch.text));
  const c = ctx();
  const keys = batch.req.events.map((e) => e.key);
  const expected = await goldenText(size);
  const s = v.stages;
  switch (stage) {
    case "begin":
      return {
        run: () => s.begin(batch.req, c),
        check(got) {
          if (got === null || typeof got !== "object") throw new Error("begin must return a scope object");
        },
      };
    case "parseKey": {
      let want = 0;
      for (const k of keys) {
        const { hi, lo } = keyHalves(k);
        want = (want ^ hi ^ lo) >>> 0;
      }
      return {
        run() {
          let x = 0;
          for (let i = 0; i < keys.length; i++) {
            const { hi, lo } = s.parseKey(keys[i]!);
            x = (x ^ hi ^ lo) >>> 0;
          }
          return x;
        },
        check: (got) => expectEqual("xor of parsed key halves", got, want),
      };
    }
    case "lookup": {
      const want = keys.map((k) => {
        const { hi, lo } = keyHalves(k);
        return c.index.find(hi, lo);
      });
      const sync = !(s.lookup(keys[0]!, c) instanceof Promise);
      const check = (got: unknown) => expectEqual("positions", got, want);
      if (sync) return { run: () => keys.map((k) => s.lookup(k, c) as number), check };
      return {
        async run() {
          const out = new Array<number>(keys.length);
          for (let i = 0; i < keys.length; i++) out[i] = await s.lookup(keys[i]!, c);
          return out;
        },
        check,
      };
    }
    case "lookupAll": {
      const want = keys.map((k) => {
        const { hi, lo } = keyHalves(k);
        return c.index.find(hi, lo);
      });
      return { run: () => s.lookupAll(batch.req.events, c), check: (got) => expectEqual("positions", got, want) };
    }
    case "assemble": {
      const scope = s.begin(batch.req, c);
      const positions = await s.lookupAll(batch.req.events, c);
      return { run: () => s.assemble(batch.req, positions, c, scope), check: (got) => expectEqual("serialized results", answerText(s.serialize(got as unknown[])), expected) };
    }
    case "decode": {
      const hits = keys.flatMap((k, i) => {
        if (batch.miss[i]) return [];
        const { hi, lo } = keyHalves(k);
        return [{ pos: c.index.find(hi, lo), key: k }];
      });
      const scope = s.begin(batch.req, c);
      return {
        run: () => hits.map((h) => s.decode(h.pos, c, scope)),
        check(got) {
          const fields = (got as Record<string, unknown>[])[0];
          const f = ref.fields(BigInt(hits[0]!.key));
          expectEqual(`decode of ${hits[0]!.key}`, fields, { ...f, since: isoSeconds(f.since) });
        },
      };
    }
    case "enrichBatch":
      return { run: () => s.enrichBatch(batch.req, c), check: (got) => expectEqual("serialized results", answerText(s.serialize(got as unknown[])), expected) };
    case "serialize": {
      const results = await s.enrichBatch(batch.req, c);
      // The answer handed back as the HTTP layer does once its Response is built (v21 lends its buffer); every run writes the same bytes.
      return {
        run() {
          const a = s.serialize(results);
          s.releaseAnswer?.(a);
          return a;
        },
        check: (got) => expectEqual("response", answerText(got as string | Uint8Array), expected),
      };
    }
    case "depth": {
      const bytes = encoder.encode(batch.text);
      const max = DEFAULT_LIMITS.depth!;
      const want = nestingDepth(bytes, max);
      return { run: () => v.nestingDepth?.(bytes, max) ?? nestingDepth(bytes, max), check: (got) => expectEqual("nesting depth", got, want) };
    }
    case "check": {
      const bytes = encoder.encode(batch.text);
      const limits = DEFAULT_LIMITS;
      const parsed = JSON.parse(batch.text) as unknown;
      // What readBody and the handler run; the answer is the request the stages get (the parsed body itself for a body like this one).
      return {
        run() {
          if (v.checkBody?.(bytes, limits)) return parsed;
          const req = checkInOnePass(parsed, batch.text, limits);
          checkBeyondSchema(req, limits);
          return req;
        },
        check: (got) => expectEqual("the checked request", got === parsed, true),
      };
    }
    case "handler": {
      const app = createApp({ index: c.index, variant: v });
      const init = { method: "POST", headers: { "content-type": "application/json" } };
      return {
        async run() {
          const res = await app.handle(new Request("http://bench.local/enrich", { ...init, body: batch.text }));
          return [res.status, await res.text()];
        },
        check: (got) => expectEqual("handler status and body", got, [200, expected]),
      };
    }
  }
  throw new Error(`unknown stage ${stage}`);
}

export function benches(): BenchSpec[] {
  const out: BenchSpec[] = [];
  for (const stage of Object.keys(NAMES) as Stage[]) {
    const shared = sharedWith(stage);
    for (const v of VARIANTS.values()) {
      if (!measured(stage, v)) continue;
      for (const size of SIZES) {
        out.push({ name: `${NAMES[stage]}/variant=${v.name}/size=${size}`, variant: v.name, sameAs: shared.get(v.name), batch: batchFor(stage, size), prepare: () => prepare(stage, v, size) });
      }
    }
  }
  return out;
}
