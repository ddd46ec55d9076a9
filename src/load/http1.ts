/**
 * An incremental HTTP/1.1 response parser for one keep-alive connection with
 * one request in flight: bytes go in as they arrive, in any split; it says
 * when a whole response (status, headers, body by Content-Length, chunked, or
 * until close) has been read. It keeps only the head, never the body.
 */

/** What `feed` reports. */
export const MORE = 0;
export const DONE = 1;
export const ERROR = -1;

const HEAD = 0, BODY = 1, CHUNK_SIZE = 2, CHUNK_DATA = 3, CHUNK_END = 4, TRAILER = 5, UNTIL_CLOSE = 6, COMPLETE = 7;
const MAX_HEAD = 64 * 1024;
const latin1 = new TextDecoder("latin1");

export class ResponseParser {
  /** Status code of the response being read (valid once the head is in). */
  status = 0;
  /** The server asked to close the connection after this response. */
  close = false;
  /** Why feed returned ERROR. */
  error = "";
  private state = HEAD;
  /** The head gathered so far when it spans chunks (the fast path never copies). */
  private head = new Uint8Array(512);
  private headLen = 0;
  private remaining = 0;
  private lineLen = 0;
  private sawHex = false;

  /** Gets ready for the next response on the same connection. */
  reset(): void {
    this.state = HEAD;
    this.status = 0;
    this.close = false;
    this.headLen = 0;
    this.error = "";
  }

  /** Consumes bytes; DONE when a response is complete, MORE when it needs more, ERROR on a protocol violation. */
  feed(buf: Uint8Array): number {
    let i = 0;
    const n = buf.length;
    while (i < n) {
      switch (this.state) {
        case HEAD: {
          let headEnd: number;
          let r: number;
          if (this.headLen === 0 && (headEnd = findHeadEnd(buf, i, n)) >= 0) {
            // Fast path: the whole head is in this chunk; parse it in place.
            r = this.parseHead(buf, i, headEnd);
            i = headEnd;
          } else {
            // Slow path: the head spans chunks; gather it, then find where it ends. Gather no more
            // than the head may hold: the rest of this chunk can be a large body.
            const before = this.headLen;
            const take = Math.min(n - i, MAX_HEAD - before);
            this.append(buf, i, i + take);
            headEnd = findHeadEnd(this.head, Math.max(0, before - 3), this.headLen);
            if (headEnd < 0) return this.headLen >= MAX_HEAD ? this.fail("response head over 64 KiB") : MORE;
            i += headEnd - before;
            r = this.parseHead(this.head, 0, headEnd);
            this.headLen = 0;
          }
          if (r === DONE && i < n) return this.fail("bytes after the response (pipelining is not used)");
          if (r !== MORE) return r;
          break;
        }
        case BODY: {
          const take = Math.min(this.remaining, n - i);
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) return this.finish(i < n);
          break;
        }
        case CHUNK_SIZE: {
          const c = buf[i++]!;
          if (c === 0x0a) {
            if (!this.sawHex) return this.fail("bad chunk size line");
            if (this.remaining === 0) {
              this.state = TRAILER;
              this.lineLen = 0;
            } else this.state = CHUNK_DATA;
          } else if (this.lineLen >= 0) {
            const d = hexDigit(c);
            if (d >= 0) {
              this.remaining = this.remaining * 16 + d;
              this.sawHex = true;
            } else if (c === 0x3b || c === 0x0d || c === 0x20 || c === 0x09) this.lineLen = -1; // extensions: ignore to end of line
            else return this.fail("bad chunk size");
          }
          break;
        }
        case CHUNK_DATA: {
          const take = Math.min(this.remaining, n - i);
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) {
            this.state = CHUNK_END;
            this.lineLen = 0;
          }
          break;
        }
        case CHUNK_END: {
          // The CRLF after chunk data.
          const c = buf[i++]!;
          if (c === 0x0a) this.startChunk();
          else if (c !== 0x0d) return this.fail("missing CRLF after chunk");
          break;
        }
        case TRAILER: {
          const c = buf[i++]!;
          if (c === 0x0a) {
            if (this.lineLen === 0) return this.finish(i < n);
            this.lineLen = 0;
          } else if (c !== 0x0d) this.lineLen++;
          break;
        }
        case UNTIL_CLOSE:
          return MORE;
        default:
          return this.fail("bytes after the response (pipelining is not used)");
      }
    }
    return MORE;
  }

  /** The peer closed: true when that ends a read-until-close body (so the response is complete). */
  eof(): boolean {
    if (this.state === UNTIL_CLOSE) {
      this.state = COMPLETE;
      return true;
    }
    return false;
  }

  private startChunk(): void {
    this.state = CHUNK_SIZE;
    this.remaining = 0;
    this.lineLen = 0;
    this.sawHex = false;
  }

  private finish(extra: boolean): number {
    this.state = COMPLETE;
    return extra ? this.fail("bytes after the response (pipelining is not used)") : DONE;
  }

  private fail(message: string): number {
    this.error = message;
    return ERROR;
  }

  private append(buf: Uint8Array, from: number, to: number): void {
    const need = this.headLen + (to - from);
    if (need > this.head.length) {
      const grown = new Uint8Array(Math.min(MAX_HEAD, Math.max(need, this.head.length * 2)));
      grown.set(this.head.subarray(0, this.headLen));
      this.head = grown;
    }
    this.head.set(buf.subarray(from, to), this.headLen);
    this.headLen = need;
  }

  /** Parses the head in b[start, end) byte by byte (no string decoding: it runs once per response). */
  private parseHead(b: Uint8Array, start: number, end: number): number {
    // "HTTP/1.x SSS"
    if (end - start < 12 || !startsWith(b, start, HTTP1) || b[start + 8] !== SP) return this.fail(`not an HTTP/1.x response: '${latin1.decode(b.subarray(start, Math.min(end, start + 40))).split("\r")[0]}'`);
    const d0 = b[start + 9]! - 0x30, d1 = b[start + 10]! - 0x30, d2 = b[start + 11]! - 0x30;
    if (d0 < 1 || d0 > 5 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return this.fail("bad status code");
    this.status = d0 * 100 + d1 * 10 + d2;
    let close = b[start + 7] === 0x30; // HTTP/1.0 closes unless told otherwise
    let length = -1;
    let chunked = false;
    let line = b.indexOf(LF, start) + 1;
    while (line > 0 && line < end) {
      const eol = b.indexOf(LF, line);
      const stop = eol < 0 || eol > end ? end : eol;
      const colon = b.indexOf(COLON, line);
      if (colon > line && colon < stop) {
        let v = colon + 1;
        while (v < stop && (b[v] === SP || b[v] === TAB)) v++;
        let ve = stop;
        while (ve > v && (b[ve - 1] === CR || b[ve - 1] === SP || b[ve - 1] === TAB)) ve--;
        if (nameIs(b, line, colon, CONTENT_LENGTH)) {
          length = 0;
          if (ve === v) return this.fail("bad content-length ''");
          for (let k = v; k < ve; k++) {
            const c = b[k]! - 0x30;
            if (c < 0 || c > 9) return this.fail(`bad content-length '${latin1.decode(b.subarray(v, ve))}'`);
            length = length * 10 + c;
          }
        } else if (nameIs(b, line, colon, TRANSFER_ENCODING)) chunked = contains(b, v, ve, CHUNKED);
        else if (nameIs(b, line, colon, CONNECTION)) {
          if (contains(b, v, ve, CLOSE)) close = true;
          else if (contains(b, v, ve, KEEP_ALIVE)) close = false;
        }
      }
      line = stop + 1;
    }
    this.close = close;
    if (this.status < 200) {
      this.state = HEAD; // interim response (100 Continue): the real one follows
      return MORE;
    }
    if (this.status === 204 || this.status === 304) {
      this.state = COMPLETE;
      return DONE;
    }
    if (chunked) {
      this.startChunk();
      return MORE;
    }
    if (length >= 0) {
      this.remaining = length;
      this.state = length === 0 ? COMPLETE : BODY;
      return length === 0 ? DONE : MORE;
    }
    this.close = true;
    this.state = UNTIL_CLOSE;
    return MORE;
  }
}

const LF = 0x0a, CR = 0x0d, SP = 0x20, TAB = 0x09, COLON = 0x3a;
const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const HTTP1 = bytes("HTTP/1.");
const CONTENT_LENGTH = bytes("content-length");
const TRANSFER_ENCODING = bytes("transfer-encoding");
const CONNECTION = bytes("connection");
const CHUNKED = bytes("chunked");
const CLOSE = bytes("close");
const KEEP_ALIVE = bytes("keep-alive");

/** Index just past the blank line ending a head that starts at `from`, or −1 when it is not all in b[from, to). */
function findHeadEnd(b: Uint8Array, from: number, to: number): number {
  let k = from;
  while (true) {
    k = b.indexOf(LF, k);
    if (k < 0 || k >= to) return -1;
    if (k - 3 >= from && b[k - 1] === CR && b[k - 2] === LF && b[k - 3] === CR) return k + 1;
    k++;
  }
}

function startsWith(b: Uint8Array, at: number, what: Uint8Array): boolean {
  for (let k = 0; k < what.length; k++) if (b[at + k] !== what[k]) return false;
  return true;
}

/** Case-insensitive header name match of b[from, to) (trailing spaces allowed) against a lowercase name. */
function nameIs(b: Uint8Array, from: number, to: number, name: Uint8Array): boolean {
  while (to > from && (b[to - 1] === SP || b[to - 1] === TAB)) to--;
  if (to - from !== name.length) return false;
  for (let k = 0; k < name.length; k++) if ((b[from + k]! | 0x20) !== name[k]) return false;
  return true;
}

/** Case-insensitive search for a lowercase token in b[from, to). */
function contains(b: Uint8Array, from: number, to: number, token: Uint8Array): boolean {
  outer: for (let s = from; s + token.length <= to; s++) {
    for (let k = 0; k < token.length; k++) if ((b[s + k]! | 0x20) !== token[k]) continue outer;
    return true;
  }
  return false;
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}
