/**
 * Reading a request body within every bound, before any variant sees it:
 * its size (413, declared or streamed), its arrival time (408), its share of
 * the bytes all requests are reading at once (503), and its nesting depth
 * (400, one linear scan: see nesting.ts).
 */
import { DEFAULT_LIMITS, type Limits } from "../config.ts";
import type { Admission, BodyLease } from "./admission.ts";
import { badRequest, requestTimeout, tooLarge } from "./errors.ts";
import { nestingDepth, tooDeepAt } from "./nesting.ts";
import { DeadlineList } from "./deadlines.ts";
import type { DepthScan } from "../enrich/variant.ts";

/** Reads a body of unknown length, refusing it (413) as soon as it passes `max` bytes; its budget lease grows chunk by chunk. */
async function readCapped(request: Request, max: number, lease: BodyLease): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of request.body) {
    total += chunk.byteLength;
    if (total > max) throw tooLarge(`body is over the limit of ${max} bytes`);
    lease.grow(chunk.byteLength);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/** Body reads in flight, failed with a 408 once their time is up: one timer for all of them (deadlines.ts). */
const arrivals = new DeadlineList();
const notArrived = (ms: number) => requestTimeout(`the body did not arrive within ${ms} ms`);

/**
 * readBoundedBody returns the body's bytes, or throws the ClientError for
 * the first bound it breaks. A declared Content-Length over the limit is
 * refused before a byte is read; a chunked body is read incrementally and
 * stopped at the limit rather than buffered whole. The depth is `depthScan`'s
 * count where it gives one (a variant's, v19-native-depth), else nesting.ts's.
 */
export async function readBoundedBody(request: Request, limits: Limits, gate: Admission, depthScan?: DepthScan): Promise<Uint8Array> {
  const length = request.headers.get("content-length");
  if (length !== null && Number(length) > limits.bodyBytes) throw tooLarge(`body of ${length} bytes is over the limit of ${limits.bodyBytes}`);
  const lease = gate.reserveBody(length !== null ? Number(length) || 0 : 0);
  let bytes: Uint8Array;
  try {
    const read = length !== null ? request.bytes() : readCapped(request, limits.bodyBytes, lease);
    bytes = await arrivals.within(read, gate.limits.bodyTimeoutMs, notArrived);
  } finally {
    lease.release();
  }
  // A stage boundary before the parse: client gone, deadline, a loop busy too long.
  gate.checkpoint(request, false, true);
  const depth = limits.depth ?? DEFAULT_LIMITS.depth!;
  if ((depthScan?.(bytes, depth) ?? nestingDepth(bytes, depth)) > depth) throw badRequest(`JSON nested deeper than ${depth} levels`, tooDeepAt(bytes, depth));
  return bytes;
}
