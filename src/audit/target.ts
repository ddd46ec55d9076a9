/**
 * `--audit redis://HOST:PORT[/STREAM]`: where the audit log goes. The path is
 * the stream's key (not a database number, as it would be for a Redis URL):
 * absent, it is AUDIT_DEFAULTS.stream.
 */
import { AUDIT_DEFAULTS } from "../config.ts";

export interface AuditTarget {
  /** What Bun.RedisClient connects to: redis://HOST:PORT, no path. */
  url: string;
  stream: string;
}

/** parseAuditTarget reads the flag's value; throws a one-line message naming what is wrong. */
export function parseAuditTarget(text: string): AuditTarget {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new Error(`--audit: expected redis://HOST:PORT[/STREAM], got '${text}'`);
  }
  if (u.protocol !== "redis:") throw new Error(`--audit: expected a redis:// URL, got '${text}'`);
  if (!u.hostname) throw new Error(`--audit: no host in '${text}'`);
  if (u.search || u.hash) throw new Error(`--audit: unexpected query or fragment in '${text}'`);
  const stream = decodeURIComponent(u.pathname.replace(/^\//, ""));
  if (stream.includes("/")) throw new Error(`--audit: the path is one stream key, got '${stream}'`);
  const auth = u.username || u.password ? `${u.username}:${u.password}@` : "";
  return { url: `redis://${auth}${u.host}`, stream: stream || AUDIT_DEFAULTS.stream };
}
