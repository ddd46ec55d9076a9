/**
 * Usage: bun bench/redis-ceiling.ts [--seconds 5] [--rounds 5] [--in-flight 2] [--flush 500] [--out DIR]
 *
 * How many audit entries a second one redis-server can take when it has a
 * core to itself: the ceiling the batched audit rungs (FINDINGS.md §36) run
 * into. redis-server 7 (Debian's) is started alone on CPU 1; this process,
 * on CPU 0, writes the default corpus's requests the way io-packed-audit's
 * writer does (RedisAuditLog.appendPacked: one EVALSHA per flush of
 * `--flush` packed requests, the script splitting them into one XADD per
 * event), keeping `--in-flight` flushes outstanding so Redis never waits on
 * the client. Per round: the entries Redis acknowledged per second, checked
 * against XLEN, and Redis's own CPU over the round (/proc). The stream is
 * deleted between rounds. Writes DIR/meta.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, fail } from "../src/cli/args.ts";
import { RedisAuditLog } from "../src/audit/redis-log.ts";
import { type PackedEntries, packedOf } from "../src/audit/entry.ts";
import type { EnrichRequest } from "../src/enrich/variant.ts";
import { ensureDefaultIndex } from "../src/service/default-index.ts";
import { collectMeta, pinSelf, summarize } from "../scripts/lib/meta.ts";
import { HAS_REDIS, startRedis } from "../scripts/lib/redis-server.ts";

const args = cli(process.argv.slice(2), "Usage: bun bench/redis-ceiling.ts [options]\n\nAudit entries per second one redis-server takes on a core of its own, written as io-packed-audit writes them.", {
  seconds: { kind: "duration", help: "length of each round", default: "5s" },
  rounds: { kind: "number", help: "rounds", default: 5 },
  "in-flight": { kind: "number", help: "flushes outstanding at once", default: 2 },
  flush: { kind: "number", help: "packed requests per flush (the service flushes at --audit-batch 50000 entries: 500 default-mix requests)", default: 500 },
  out: { kind: "string", help: "directory for meta.json", default: "profiles/io/redis-ceiling" },
});
if (!HAS_REDIS) fail("redis-server is not installed (apt-get install redis-server)", 1);
if (args.rounds < 1 || args["in-flight"] < 1 || args.flush < 1) fail("--rounds, --in-flight and --flush must be at least 1", 2);

const meta = collectMeta();
const pinned = pinSelf(["taskset", "-c", "0"]);
const dir = ensureDefaultIndex();
// The default mix's requests, packed once: the bench measures Redis, not the packing.
const requests = readFileSync(join(dir, "default.ndjson"), "utf8").split("\n").filter(Boolean).slice(0, 2_000).map((l) => JSON.parse(l) as EnrichRequest);
const packed: PackedEntries[] = requests.map((req, i) => packedOf(req, req.events.map((_, j) => ({ found: (i + j) % 100 !== 0 })), { requestId: `r-${i}`, arrivedMs: 1_764_680_000_000 + i }));
const entriesPerRequest = packed.reduce((s, p) => s + p.entries, 0) / packed.length;

const redis = await startRedis({ prefix: ["taskset", "-c", "1"] });
const ticks = () => {
  const f = readFileSync(`/proc/${redis.pid()}/stat`, "latin1").split(") ")[1]!.split(" ");
  return Number(f[11]) + Number(f[12]); // utime + stime, clock ticks
};
const HZ = 100;
const rounds: { entriesPerSecond: number; redisCores: number; xlen: number; written: number }[] = [];
try {
  const reader = await redis.client();
  for (let round = 1; round <= args.rounds; round++) {
    const stream = `ceiling:${round}`;
    const log = new RedisAuditLog({ url: redis.directUrl, stream });
    await log.start();
    let next = 0;
    const batch = () => {
      const b: PackedEntries[] = [];
      for (let i = 0; i < args.flush; i++) b.push(packed[next++ % packed.length]!);
      return b;
    };
    const t0 = performance.now(), c0 = ticks();
    const end = t0 + args.seconds;
    const lanes = Array.from({ length: args["in-flight"] }, async () => {
      while (performance.now() < end) {
        const failed = await log.appendPacked(batch());
        if (failed.length) throw new Error(`redis-ceiling: a flush of ${failed.length} requests failed`);
      }
    });
    await Promise.all(lanes);
    const seconds = (performance.now() - t0) / 1000, cores = (ticks() - c0) / HZ / seconds;
    const xlen = Number(await reader.send("XLEN", [stream]));
    if (xlen !== log.counts.written) throw new Error(`redis-ceiling: XLEN ${xlen} but ${log.counts.written} entries acknowledged`);
    rounds.push({ entriesPerSecond: Math.round(log.counts.written / seconds), redisCores: Math.round(cores * 1000) / 1000, xlen, written: log.counts.written });
    console.error(`redis-ceiling: round ${round}/${args.rounds}: ${Math.round(log.counts.written / seconds)} entries/s, redis-server at ${cores.toFixed(2)} cores`);
    log.close();
    await reader.send("DEL", [stream]);
  }
} finally {
  await redis.stop();
}

const rate = summarize(rounds.map((r) => r.entriesPerSecond));
const out = {
  ...meta,
  pinning: pinned ? "this process (the writer) on CPU 0, redis-server alone on CPU 1 (taskset)" : "not pinned (taskset unavailable)",
  redis: "redis-server (Debian's), started for the run, no persistence, loopback",
  options: { seconds: args.seconds / 1000, rounds: args.rounds, inFlight: args["in-flight"], flushRequests: args.flush },
  corpus: { requests: packed.length, entriesPerRequest },
  entriesPerSecond: rate,
  rounds,
};
mkdirSync(args.out, { recursive: true });
writeFileSync(join(args.out, "meta.json"), JSON.stringify(out, null, 2) + "\n");
console.log(`redis-ceiling: ${rate.median} entries/s (${rate.min}–${rate.max}, n=${rate.n}) on a core of its own\n${args.out}`);
