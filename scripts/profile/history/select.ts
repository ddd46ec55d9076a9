/**
 * Picking captures out of a continuous-profile directory by time and by
 * version. Times are UTC, as in the file names: `03:14` (or `03:14:30`) is
 * the latest such time-of-day at or before the newest capture, so the last
 * night's 03:14 needs no date; a full ISO time (`2026-12-01T03:14Z`) or epoch
 * milliseconds also work. A range `A..B` is inclusive of captures that
 * started at A and exclusive at B.
 */
import { type CaptureName, type Kind, listCaptures } from "../../../src/admin/continuous/files.ts";

export type Capture = CaptureName & { file: string; path: string };

export interface Range {
  fromMs: number;
  toMs: number;
}

export interface Filter {
  kind: Kind;
  commit?: string;
  variant?: string;
  host?: string;
}

const DAY_MS = 24 * 3600_000;

/**
 * parseTime reads HH:MM[:SS] (UTC) as its latest occurrence at or before
 * refMs (the newest capture) — or, with `after`, as its first occurrence
 * after that time (the end of a range) — ISO-8601, or epoch ms; throws a
 * one-line message.
 */
export function parseTime(text: string, refMs: number, after?: number): number {
  const hm = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(text.trim());
  if (hm) {
    const [h, m, s] = [Number(hm[1]), Number(hm[2]), Number(hm[3] ?? 0)];
    if (h > 23 || m > 59 || s > 59) throw new Error(`'${text}' is not a time of day (HH:MM, UTC)`);
    const base = new Date(after ?? refMs);
    let t = Date.UTC(base.getUTCFullYear(), base.getUTCMonth(), base.getUTCDate(), h, m, s);
    if (after !== undefined) return t <= after ? t + DAY_MS : t;
    if (t > refMs) t -= DAY_MS;
    return t;
  }
  if (/^\d{12,}$/.test(text.trim())) return Number(text);
  const iso = /[zZ]|[+-]\d{2}:?\d{2}$/.test(text) ? text : `${text}Z`;
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) throw new Error(`'${text}' is not a time: expected HH:MM (UTC), an ISO-8601 time or epoch milliseconds`);
  return t;
}

/** parseRange reads "A..B" (each as parseTime reads it). */
export function parseRange(text: string, refMs: number): Range {
  const parts = text.split("..");
  if (parts.length !== 2 || !parts[0] || !parts[1]) throw new Error(`'${text}' is not a range: expected FROM..TO, e.g. 03:00..03:10`);
  const fromMs = parseTime(parts[0], refMs);
  return checked({ fromMs, toMs: parseTime(parts[1], refMs, fromMs) }, text);
}

/** atRange: the captures that started within `spanMs` from T. */
export function atRange(text: string, refMs: number, spanMs: number): Range {
  const t = parseTime(text, refMs);
  return { fromMs: t, toMs: t + spanMs };
}

export function checked(r: Range, what: string): Range {
  if (!(r.toMs > r.fromMs)) throw new Error(`${what}: the end must be after the start`);
  return r;
}

/** select keeps the captures of one kind (and commit/variant/host when given) that started in the range. */
export function select(all: readonly Capture[], f: Filter, r?: Range): Capture[] {
  return all.filter(
    (c) =>
      c.kind === f.kind &&
      (f.commit === undefined || c.commit === f.commit || c.commit.startsWith(f.commit)) &&
      (f.variant === undefined || c.variant === f.variant) &&
      (f.host === undefined || c.host === f.host) &&
      (!r || (c.startMs >= r.fromMs && c.startMs < r.toMs)),
  );
}

export { listCaptures };
