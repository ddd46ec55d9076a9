/**
 * The audit log's connection to Redis (Bun.RedisClient) and its four ways
 * of writing: append (one XADD, one round trip), appendAll (a batch's XADDs
 * issued in one tick, which Bun's auto-pipelining sends as one write: one
 * round trip for the batch) and appendScripted (one EVALSHA whose Lua script
 * runs the batch's XADDs inside Redis: one command, so the client encodes
 * and settles one reply instead of one per entry), and appendPacked (the same
 * script's work from one argument per request, split inside Redis). No
 * offline queue: while Redis is down a write
 * fails at once, so nothing piles up unbounded inside the client; this class
 * reconnects on its own, backing off, and says when Redis is up again.
 */
import { RedisClient } from "bun";
import { AUDIT_DEFAULTS } from "../config.ts";
import { type AuditEntry, ENTRY_FIELDS, type PackedEntries, xaddArgs } from "./entry.ts";
import type { AuditTarget } from "./target.ts";

/** The batch's XADDs inside Redis: ARGV holds each entry's field values, ENTRY_FIELDS.length at a time, in order. */
const APPEND_SCRIPT = `local n = ${ENTRY_FIELDS.length}
for i = 1, #ARGV, n do
  redis.call('XADD', KEYS[1], '*', ${ENTRY_FIELDS.map((f, i) => `'${f}', ARGV[i + ${i}]`).join(", ")})
end
return #ARGV / n`;
/**
 * The same XADDs from packed requests (io-packed-audit): ARGV holds each
 * request's arrived_ms, request_id and packed entries (entry.ts, packedOf);
 * the split runs here, inside Redis, instead of one argument per field on the JS thread.
 */
const PACKED_VALUES: Record<(typeof ENTRY_FIELDS)[number], string> = { key: "key", found: "found", attrs: "attrs", arrived_ms: "arrived", request_id: "rid", event: "tostring(event)" };
const PACKED_SCRIPT = `local n = 0
for i = 1, #ARGV, 3 do
  local arrived, rid, event = ARGV[i], ARGV[i + 1], 0
  for key, found, attrs in string.gmatch(ARGV[i + 2], '([^\\31]*)\\31([01])\\31([^\\30]*)\\30') do
    redis.call('XADD', KEYS[1], '*', ${ENTRY_FIELDS.map((f) => `'${f}', ${PACKED_VALUES[f]}`).join(", ")})
    event = event + 1
  end
  n = n + event
end
return n`;
const sha1 = (script: string) => new Bun.CryptoHasher("sha1").update(script).digest("hex");
const APPEND_SHA = sha1(APPEND_SCRIPT);
const PACKED_SHA = sha1(PACKED_SCRIPT);

export interface AuditLogCounts {
  /** Entries Redis acknowledged: each is one entry in the stream. */
  written: number;
  /** XADDs that failed (Redis down, connection lost, or an error reply). */
  failed: number;
  /** Writes sent: one per append, one per appendAll. */
  roundTrips: number;
  /** Times the connection came back after being lost. */
  reconnects: number;
}

export class RedisAuditLog {
  readonly counts: AuditLogCounts = { written: 0, failed: 0, roundTrips: 0, reconnects: 0 };
  private readonly client: RedisClient;
  private connectedOnce = false;
  private closed = false;
  private retryMs: number = AUDIT_DEFAULTS.reconnectMinMs;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private connecting: Promise<void> | null = null;
  private announcedLoss = false;
  private upWaiters: (() => void)[] = [];

  constructor(
    readonly target: AuditTarget,
    private readonly say: (line: string) => void = () => {},
  ) {
    this.client = new RedisClient(target.url, { enableOfflineQueue: false, autoReconnect: false, connectionTimeout: AUDIT_DEFAULTS.connectTimeoutMs });
    this.client.onclose = () => this.lost();
  }

  /** Whether the connection is up now (a write may still fail). */
  get up(): boolean {
    return this.client.connected;
  }

  /** start makes the first connection attempt; resolves either way (while down it keeps trying in the background). */
  async start(): Promise<this> {
    await this.tryConnect();
    if (!this.up) this.say(`audit: Redis at ${this.target.url} is not reachable; retrying (entries are counted in /metrics until it is)`);
    return this;
  }

  /** whenUp resolves once the connection is up (at once if it is), or when the log is closed. */
  whenUp(): Promise<void> {
    if (this.up || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.upWaiters.push(resolve));
  }

  /** append writes one entry: one XADD, one round trip. Rejects if it was not written. */
  async append(e: AuditEntry): Promise<void> {
    this.counts.roundTrips++;
    try {
      await this.client.send("XADD", xaddArgs(this.target.stream, e));
    } catch (err) {
      this.counts.failed++;
      throw err;
    }
    this.counts.written++;
  }

  /** appendAll writes a batch's entries in one round trip (pipelined XADDs); resolves to the entries that were not written, in order. */
  async appendAll(entries: readonly AuditEntry[]): Promise<AuditEntry[]> {
    if (entries.length === 0) return [];
    this.counts.roundTrips++;
    const sends = new Array<Promise<unknown>>(entries.length);
    for (let i = 0; i < entries.length; i++) sends[i] = this.client.send("XADD", xaddArgs(this.target.stream, entries[i]!));
    const settled = await Promise.allSettled(sends);
    const unwritten: AuditEntry[] = [];
    for (let i = 0; i < settled.length; i++) if (settled[i]!.status === "rejected") unwritten.push(entries[i]!);
    this.counts.written += entries.length - unwritten.length;
    this.counts.failed += unwritten.length;
    return unwritten;
  }

  /**
   * appendScripted writes a batch as one EVALSHA (one command, one round trip);
   * resolves to the entries not written: all or none, as the script runs
   * whole. A Redis that does not know the script yet (first use, or restarted)
   * gets it by EVAL once.
   */
  async appendScripted(entries: readonly AuditEntry[]): Promise<AuditEntry[]> {
    if (entries.length === 0) return [];
    this.counts.roundTrips++;
    const args = new Array<string>(3 + entries.length * ENTRY_FIELDS.length);
    args[0] = APPEND_SHA;
    args[1] = "1";
    args[2] = this.target.stream;
    let j = 3;
    for (const e of entries) {
      args[j++] = e.key;
      args[j++] = e.found ? "1" : "0";
      args[j++] = e.attrs;
      args[j++] = String(e.arrivedMs);
      args[j++] = e.requestId;
      args[j++] = String(e.event);
    }
    if (!(await this.evalScript(APPEND_SCRIPT, args))) {
      this.counts.failed += entries.length;
      return [...entries];
    }
    this.counts.written += entries.length;
    return [];
  }

  /**
   * appendPacked writes packed requests (each one request's entries in one
   * string) as one EVALSHA whose script splits them into XADDs; resolves to
   * the requests not written: all or none, as the script runs whole.
   */
  async appendPacked(requests: readonly PackedEntries[]): Promise<PackedEntries[]> {
    if (requests.length === 0) return [];
    this.counts.roundTrips++;
    const args = new Array<string>(3 + requests.length * 3);
    args[0] = PACKED_SHA;
    args[1] = "1";
    args[2] = this.target.stream;
    let j = 3;
    let entries = 0;
    for (const r of requests) {
      args[j++] = String(r.arrivedMs);
      args[j++] = r.requestId;
      args[j++] = r.packed;
      entries += r.entries;
    }
    if (!(await this.evalScript(PACKED_SCRIPT, args))) {
      this.counts.failed += entries;
      return [...requests];
    }
    this.counts.written += entries;
    return [];
  }

  /** evalScript runs `args` (args[0] the script's SHA) by EVALSHA, or by EVAL once if this Redis does not know the script yet (first use, or restarted); false if it failed. */
  private async evalScript(script: string, args: string[]): Promise<boolean> {
    try {
      try {
        await this.client.send("EVALSHA", args);
      } catch (err) {
        if (!/NOSCRIPT/.test((err as Error).message)) throw err;
        args[0] = script;
        await this.client.send("EVAL", args);
      }
      return true;
    } catch {
      return false;
    }
  }

  /** close stops reconnecting and closes the connection (after the writer's last flush). */
  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.client.onclose = null;
    if (this.client.connected) this.client.close();
    this.wake();
  }

  private tryConnect(): Promise<void> {
    // The rejection path runs before any `finally`: clear the pending attempt first, so the retry can be scheduled.
    this.connecting ??= this.client.connect().then(
      () => {
        this.connecting = null;
        if (this.connectedOnce) {
          this.counts.reconnects++;
          this.say(`audit: reconnected to Redis at ${this.target.url}`);
        }
        this.connectedOnce = true;
        this.announcedLoss = false;
        this.retryMs = AUDIT_DEFAULTS.reconnectMinMs;
        this.wake();
      },
      () => {
        this.connecting = null;
        this.scheduleRetry();
      },
    );
    return this.connecting;
  }

  private lost(): void {
    if (this.closed) return;
    if (this.connectedOnce && !this.announcedLoss) this.say(`audit: lost the connection to Redis at ${this.target.url}; reconnecting`);
    this.announcedLoss = true;
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer !== undefined || this.connecting) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.up) void this.tryConnect();
    }, this.retryMs);
    this.retryTimer.unref?.();
    this.retryMs = Math.min(AUDIT_DEFAULTS.reconnectMaxMs, this.retryMs * 2);
  }

  private wake(): void {
    const ws = this.upWaiters;
    this.upWaiters = [];
    for (const w of ws) w();
  }
}
