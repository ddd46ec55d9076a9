/**
 * A request's body bytes, kept beside the parsed request for the stages of a
 * variant that copies from them (`keepBodyFrom`: v18-body-heads). The HTTP
 * layer keeps them once the body has passed every check, for batches of at
 * least that many events; a request built any other
 * way (tests, benchmarks calling the stages) has none, and such a variant
 * then answers as its parent does.
 */
const bodies = new WeakMap<object, Uint8Array>();

/** keepBody: `bytes` is the UTF-8 body `req` was parsed from. */
export function keepBody(req: object, bytes: Uint8Array): void {
  bodies.set(req, bytes);
}

/** bodyOf: the bytes `req` was parsed from, if they were kept. */
export function bodyOf(req: object): Uint8Array | undefined {
  return bodies.get(req);
}
