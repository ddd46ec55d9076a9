/**
 * The inherited serializers. serializeByConcatenation builds the response with
 * `+=`, one JSON.stringify per field. The "turbo" one is the JSON library the
 * original owner switched to (variant v0-turbo-json): faster on its own, no
 * change in thin-batch capacity, where serialization is a sliver of the work.
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

/**
 * turboStringify: the "faster JSON library" the original owner switched to — a
 * schema-compiled serializer in the style of fast-json-stringify. It compiles
 * one function per result shape, but each compiled function still stringifies
 * every field on its own and joins the pieces with `+=`. It skips the key
 * stringification and Object.keys of the old loop, so it wins in isolation.
 */
export function turboStringify(results: unknown[]): string {
  let out = '{"results":[';
  for (let i = 0; i < results.length; i++) {
    const r = results[i] as Record<string, unknown>;
    out += (i > 0 ? "," : "") + compiledFor(r)(r);
  }
  return out + "]}";
}

type Compiled = (r: Record<string, unknown>) => string;
const compiled = new Map<string, Compiled>();

function compiledFor(r: Record<string, unknown>): Compiled {
  const keys = Object.keys(r);
  const shape = keys.join(",");
  let fn = compiled.get(shape);
  if (!fn) {
    const body = keys.map((k, i) => `s += ${JSON.stringify((i > 0 ? "," : "") + JSON.stringify(k) + ":")} + stringify(r[${JSON.stringify(k)}]);`).join("\n");
    fn = new Function("stringify", `return function serializeShape(r) { let s = "{";\n${body}\nreturn s + "}"; }`)(JSON.stringify) as Compiled;
    compiled.set(shape, fn);
  }
  return fn;
}
