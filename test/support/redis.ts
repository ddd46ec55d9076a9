/**
 * A real redis-server for tests (Debian's package; .ci/run installs it) on
 * its own free port and temp dir (scripts/lib/redis-server.ts):
 *
 *   await using redis = await startRedis();
 */
import { HAS_REDIS, type RunningRedis, startRedis as start } from "../../scripts/lib/redis-server.ts";
import { scratch } from "./fixtures.ts";

export { HAS_REDIS, type RunningRedis };

/** True (and says so, loudly) when redis-server is missing: for describe.skipIf. */
export function skipWithoutRedis(what: string): boolean {
  if (!HAS_REDIS) console.warn(`SKIP ${what}: redis-server is not installed (apt-get install -y redis-server; .ci/run does)`);
  return !HAS_REDIS;
}

/** A redis-server under this test run's temp root. */
export const startRedis = () => start({ dir: scratch() });

/** The same, behind scripts/latency-proxy.ts (`delayMs` each way): a Redis one network hop away. */
export const startRedisAt = ({ delayMs }: { delayMs: number }) => start({ dir: scratch(), delayMs });
