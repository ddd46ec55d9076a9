/**
 * v24-thin-unparsed: v23-unparsed-body plus one change — v23's unparsed path
 * takes bodies of every size, not only those of 1 KiB or more: a thin body
 * that eix_body_keys passes is neither decoded nor parsed either, and its
 * answer is written from the halves and the body's bytes as a fat one's is.
 * On thin requests the HTTP layer's fatal decode, JSON.parse and the JS
 * one-pass checks were the widest native and JS work left around the
 * pipeline (readBody, checkInOnePass: FINDINGS.md §40), and v23 kept them
 * only because of its 1 KiB line. Any other body goes v23's way (same bytes,
 * same 400s and 413s). Without the C library it is v23, which is then v22.
 * Evidence: FINDINGS.md §47.
 */
import { derive } from "../variant.ts";
import { unparsedRequest, v23UnparsedBody } from "./v23-unparsed-body.ts";

export const v24ThinUnparsed = derive(
  v23UnparsedBody,
  "v24-thin-unparsed",
  "v23's unparsed path for bodies of every size: a thin body the native check passes is neither decoded nor parsed",
  {},
  { viewBody: (bytes, limits) => unparsedRequest(bytes, limits, 0) },
);
