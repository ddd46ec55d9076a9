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
          // Copy head bytes until the blank line; heads are small, bodies are never copied.
          while (i < n) {
            const c = buf[i++]!;
            if (this.headLen === this.head.length) {
              if (this.headLen >= MAX_HEAD) return this.fail("response head over 64 KiB");
              const grown = new Uint8Array(this.head.length * 2);
              grown.set(this.head);
              this.head = grown;
            }
            this.head[this.headLen++] = c;
            if (c === 0x0a && this.headLen >= 2 && endsHead(this.head, this.headLen)) {
              const r = this.parseHead();
              if (r !== MORE) {
                if (r === DONE && i < n) return this.fail("bytes after the response (pipelining is not used)");
                return r;
              }
              break;
            }
          }
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

  private parseHead(): number {
    const text = latin1.decode(this.head.subarray(0, this.headLen));
    const lines = text.split("\r\n");
    const m = /^HTTP\/1\.([01]) (\d{3})/.exec(lines[0]!);
    if (!m) return this.fail(`not an HTTP/1.x response: '${lines[0]!.slice(0, 40)}'`);
    this.status = Number(m[2]);
    let close = m[1] === "0";
    let length = -1;
    let chunked = false;
    for (let k = 1; k < lines.length; k++) {
      const line = lines[k]!;
      const colon = line.indexOf(":");
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim().toLowerCase();
      if (name === "content-length") {
        length = Number(value);
        if (!Number.isInteger(length) || length < 0) return this.fail(`bad content-length '${value}'`);
      } else if (name === "transfer-encoding") chunked = value.split(",").some((v) => v.trim() === "chunked");
      else if (name === "connection") {
        if (value.includes("close")) close = true;
        else if (value.includes("keep-alive")) close = false;
      }
    }
    this.close = close;
    this.headLen = 0;
    if (this.status >= 100 && this.status < 200) {
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
      this.state = BODY;
      if (length === 0) this.state = COMPLETE;
      return length === 0 ? DONE : MORE;
    }
    this.close = true;
    this.state = UNTIL_CLOSE;
    return MORE;
  }
}

function endsHead(h: Uint8Array, len: number): boolean {
  return len >= 4 && h[len - 2] === 0x0d && h[len - 3] === 0x0a && h[len - 4] === 0x0d;
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}
