/**
 * Key order for attrs whose names look like array indexes.
 *
 * JSON.parse builds ordinary objects, and JS orders integer-like keys ("7",
 * "42") before all others, ascending — so `{"b":"x","7":"y"}` would come back
 * as `{"7":"y","b":"x"}`. The contract says attrs pass through in order. Such
 * keys are rare, so the fast path stays JSON.parse; a request where one shows
 * up is parsed again here, and each affected object becomes a Proxy whose key
 * order is the source order (JSON.stringify and for-in follow it).
 */

/** True when some event's attrs has an integer-like key, i.e. JSON.parse may have reordered it. */
export function mayHaveReorderedAttrs(body: { events: unknown[] }): boolean {
  for (const event of body.events) if (attrsMayBeReordered(event)) return true;
  return false;
}

/** One event's part of mayHaveReorderedAttrs: its attrs' first key is integer-like (integer-like keys always come first, so the first decides). */
export function attrsMayBeReordered(event: unknown): boolean {
  const attrs = (event as { attrs?: unknown } | null)?.attrs;
  if (typeof attrs !== "object" || attrs === null) return false;
  for (const k in attrs) return isArrayIndex(k);
  return false;
}

function isArrayIndex(k: string): boolean {
  const c = k.charCodeAt(0);
  if (c < 48 || c > 57) return false;
  return String(Number(k) >>> 0) === k && k !== "4294967295";
}

/**
 * Strict JSON parser that keeps source key order for objects with integer-like
 * keys. It accepts what JSON.parse accepts; `maxDepth` is only a guard, since
 * the caller has already bounded the depth (nesting.ts) below it.
 */
export function parseOrdered(text: string, maxDepth = 4096): unknown {
  let i = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at position ${i}`);
  };
  const ws = () => {
    for (let c = text.charCodeAt(i); c === 32 || c === 9 || c === 10 || c === 13; c = text.charCodeAt(++i));
  };
  const value = (depth: number): unknown => {
    if (depth > maxDepth) throw new RangeError("JSON nested too deeply");
    ws();
    const c = text[i];
    if (c === "{") return object(depth);
    if (c === "[") {
      i++;
      const out: unknown[] = [];
      ws();
      if (text[i] === "]") return i++, out;
      for (;;) {
        out.push(value(depth + 1));
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "]") return i++, out;
        else fail("expected , or ]");
      }
    }
    if (c === '"') return string();
    const m = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;
    m.lastIndex = i;
    const hit = m.exec(text);
    if (!hit) fail("unexpected token");
    i += hit![0].length;
    return JSON.parse(hit![0]);
  };
  // A loop, not a regex: a backtracking regex over a 1.4M-character string overflows its stack ("malformed JSON" for a valid body).
  const string = (): string => {
    const start = i++;
    let escaped = false;
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 34) break;
      if (Number.isNaN(c)) fail("unterminated string");
      if (c < 32) fail("control character in a string");
      if (c === 92) {
        escaped = true;
        const e = text.charCodeAt(i + 1);
        if (e === 117) {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail("bad \\u escape");
          i += 6;
        } else if (e === 34 || e === 92 || e === 47 || e === 98 || e === 102 || e === 110 || e === 114 || e === 116) i += 2;
        else fail("bad escape");
      } else i++;
    }
    i++;
    return escaped ? (JSON.parse(text.slice(start, i)) as string) : text.slice(start + 1, i - 1);
  };
  const object = (depth: number): object => {
    i++;
    const target: Record<string, unknown> = {};
    const order: string[] = [];
    ws();
    if (text[i] === "}") return i++, target;
    for (;;) {
      ws();
      if (text[i] !== '"') fail("expected a key");
      const k = string();
      ws();
      if (text[i++] !== ":") fail("expected :");
      const v = value(depth + 1);
      if (!Object.hasOwn(target, k)) order.push(k);
      Object.defineProperty(target, k, { value: v, enumerable: true, writable: true, configurable: true });
      ws();
      if (text[i] === ",") i++;
      else if (text[i] === "}") {
        i++;
        break;
      } else fail("expected , or }");
    }
    if (!order.some(isArrayIndex)) return target;
    return new Proxy(target, { ownKeys: () => order });
  };
  const out = value(0);
  ws();
  if (i !== text.length) fail("unexpected data after the JSON value");
  return out;
}
