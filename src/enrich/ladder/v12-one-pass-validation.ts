/**
 * v12-one-pass-validation: v11-plain-tag-lists plus one change — the parsed
 * body is checked in one loop over its events (src/http/one-pass.ts): the
 * envelope, the ordered-attrs test and the schema together, instead of
 * checkEnvelope, then mayHaveReorderedAttrs' loop, then Elysia's compiled
 * TypeBox check, whose record check builds an Object.entries array per attrs
 * object and tests every key against the record's pattern. Every bad input
 * gets the same status, message and path (test/http/one-pass.test.ts holds
 * the loop to the schema's first error; test/http/bad-input.test.ts runs
 * every variant). Evidence: FINDINGS.md §17.
 */
import { derive } from "../variant.ts";
import { v11PlainTagLists } from "./v11-plain-tag-lists.ts";

export const v12OnePassValidation = derive(v11PlainTagLists, "v12-one-pass-validation", "the parsed body is checked in one loop over its events (envelope, ordered-attrs test and schema), not the envelope check, a second loop and Elysia's TypeBox check", {}, { validation: "one-pass" });
