/**
 * The body's nesting depth, bounded before any parser sees it. JSON.parse
 * copes with deep input, but whatever walks the parsed value recursively
 * afterwards (a variant's clone, a stringify, a validator) may not: 45,000
 * `[` in an ignored field cost ~1 s and a stack overflow (a 500). One linear
 * pass over the bytes with no allocation makes every body's cost bounded.
 */

/**
 * nestingDepth returns the deepest array/object nesting in JSON bytes, or
 * stops and returns `max + 1` as soon as the depth passes `max`. Brackets
 * inside strings do not count; UTF-8 continuation bytes are ≥ 0x80, so a byte
 * scan cannot mistake them for ASCII punctuation. Malformed input is the
 * parser's business: this only counts.
 */
export function nestingDepth(bytes: Uint8Array, max: number): number {
  let depth = 0, deepest = 0;
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const c = bytes[i]!;
    if (c === 0x22) {
      // Skip the string: a backslash escapes the next byte, whatever it is.
      for (i++; i < n; i++) {
        const s = bytes[i]!;
        if (s === 0x5c) i++;
        else if (s === 0x22) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > max) return deepest;
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

/**
 * tooDeepAt is the JSON pointer (RFC 6901) of the named field whose value
 * nests past `max`: the path down to the too-deep container, without the
 * trailing array indexes (sixty `/0`s say less than the field's name). ""
 * when no object member holds it. Only called once nestingDepth has said
 * "too deep", so its allocations are on the error path; still linear.
 */
export function tooDeepAt(bytes: Uint8Array, max: number): string {
  const frames: { obj: boolean; key: string; index: number }[] = [];
  let expectKey = false;
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const c = bytes[i]!;
    if (c === 0x22) {
      const start = i;
      for (i++; i < n; i++) {
        const s = bytes[i]!;
        if (s === 0x5c) i++;
        else if (s === 0x22) break;
      }
      const top = frames[frames.length - 1];
      if (top?.obj && expectKey) {
        top.key = decodeKey(bytes.subarray(start, i + 1));
        expectKey = false;
      }
    } else if (c === 0x7b || c === 0x5b) {
      if (frames.length === max) return pointer(frames);
      frames.push({ obj: c === 0x7b, key: "", index: 0 });
      expectKey = c === 0x7b;
    } else if (c === 0x5d || c === 0x7d) frames.pop();
    else if (c === 0x2c) {
      const top = frames[frames.length - 1];
      if (top?.obj) expectKey = true;
      else if (top) top.index++;
    }
  }
  return "";
}

function pointer(frames: { obj: boolean; key: string; index: number }[]): string {
  let end = frames.length;
  while (end > 0 && !frames[end - 1]!.obj) end--;
  return frames
    .slice(0, end)
    .map((f) => "/" + (f.obj ? f.key.replace(/~/g, "~0").replace(/\//g, "~1") : String(f.index)))
    .join("");
}

function decodeKey(quoted: Uint8Array): string {
  const text = new TextDecoder().decode(quoted);
  try {
    return JSON.parse(text) as string;
  } catch {
    return text.slice(1, -1);
  }
}
