/**
 * A request read from its body's bytes without decoding or parsing them
 * (v23-unparsed-body): the event count and each key's u32 halves, which the
 * native check of the body wrote while it passed it (eix_body_keys). Its
 * `events` are parsed from the bytes on first use, for anything that still
 * needs the objects (a JS writer's fallback, an attr label), so every reader
 * of an EnrichRequest sees the same request; the hot path never asks.
 */
import type { EnrichEvent, EnrichRequest } from "./variant.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export class UnparsedRequest implements EnrichRequest {
  private parsed: EnrichEvent[] | undefined;

  constructor(
    /** The body's UTF-8 bytes, passed in full by the native check. */
    readonly bytes: Uint8Array,
    readonly count: number,
    /** Key i's halves: his[i] · 2^32 + los[i]. */
    readonly his: Uint32Array,
    readonly los: Uint32Array,
  ) {}

  get events(): EnrichEvent[] {
    return (this.parsed ??= (JSON.parse(utf8.decode(this.bytes)) as EnrichRequest).events);
  }
}

/** eventCount: a request's batch size, without parsing an unparsed one (0 for a body with no events array). */
export function eventCount(req: { readonly events?: readonly unknown[] }): number {
  return req instanceof UnparsedRequest ? req.count : (req.events?.length ?? 0);
}
