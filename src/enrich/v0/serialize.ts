/**
 * The inherited serializers. serializeByConcatenation builds the response with
 * `+=`, one JSON.stringify per field. The "turbo" one is the JSON library the
 * original owner switched to: it changed nothing (kept as variant v0-turbo-json so
 * that claim stays checkable).
 */

export function serializeByConcatenation(results: unknown[]): string {
  let out = '{"results":[';
  for (let i = 0; i < results.length; i++) {
    if (i > 0) out += ",";
    const r = results[i] as Record<string, unknown>;
    let obj = "{";
    let first = true;
    for (const k of Object.keys(r)) {
      obj += `${first ? "" : ","}${JSON.stringify(k)}:${JSON.stringify(r[k])}`;
      first = false;
    }
    out += obj + "}";
  }
  return out + "]}";
}

/** turboStringify: "faster JSON" — a wrapper that ends in JSON.stringify of the same value. */
export function turboStringify(results: unknown[]): string {
  const envelope = { results: results.map((r) => ({ ...(r as object) })) };
  return JSON.stringify(envelope);
}
