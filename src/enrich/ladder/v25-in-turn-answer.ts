/**
 * v25-in-turn-answer: v24-thin-unparsed plus one change — no async function
 * stands between a request and its answer where no stage waits: `respond`
 * returns the answer itself (not a promise of it) when its stages do, the
 * batch of a parsed body is begun, looked up and assembled in the same turn
 * when its lookups answer at once (v0's enrichBatch was an async function
 * however its stages answered), and the HTTP layer builds the Response in
 * the same turn. v24's answer crossed respond, the handler awaiting it and
 * Elysia's await on the handler: promises and microtask turns per request for
 * work that never waits (FINDINGS.md §52). Same bytes, same errors: a stage
 * that throws throws through the same onError. A stage that does wait (the
 * io-* rungs' audit) still works: its promise is passed on.
 */
import { UnparsedRequest } from "../unparsed-request.ts";
import { derive, type EnrichContext, type EnrichRequest, type Stages } from "../variant.ts";
import type { V0Scope } from "../v0/index.ts";
import { v24ThinUnparsed } from "./v24-thin-unparsed.ts";

const viewed = v24ThinUnparsed.stages.enrichBatch;

export const v25InTurnAnswer = derive(
  v24ThinUnparsed,
  "v25-in-turn-answer",
  "respond gives the answer in the same turn where its stages do (no async function, no await), and the HTTP layer answers with it at once",
  {
    enrichBatch(this: Stages, req: EnrichRequest, ctx: EnrichContext): unknown[] | Promise<unknown[]> {
      // A viewed body's batch (v23's) is already answered in the turn.
      if (req instanceof UnparsedRequest) return viewed.call(this, req, ctx);
      const scope = this.begin(req, ctx);
      const positions = this.lookupAll((scope as V0Scope).batch?.events ?? req.events, ctx);
      return positions instanceof Promise ? positions.then((p) => this.assemble(req, p, ctx, scope)) : this.assemble(req, positions, ctx, scope);
    },
  },
  { answersInTurn: true },
);
