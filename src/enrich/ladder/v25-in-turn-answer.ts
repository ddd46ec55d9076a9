/**
 * v25-in-turn-answer: v24-thin-unparsed plus one change — `respond` is no
 * longer an async function: where its stages answer synchronously (every
 * rung since v4-sync-lookups does, the io-* rungs' audit excepted) it returns
 * the answer itself, and the HTTP layer builds the Response in the same turn.
 * v24's answer crossed two async functions (respond, and the handler awaiting
 * it) and Elysia's await on the handler: three promises and as many microtask
 * turns per request for work that never waits (FINDINGS.md §52). Same bytes,
 * same errors: a stage that throws throws through the same onError.
 */
import { derive } from "../variant.ts";
import { v24ThinUnparsed } from "./v24-thin-unparsed.ts";

export const v25InTurnAnswer = derive(
  v24ThinUnparsed,
  "v25-in-turn-answer",
  "respond gives the answer in the same turn where its stages do (no async function, no await), and the HTTP layer answers with it at once",
  {},
  { answersInTurn: true },
);
