/**
 * v9-arithmetic-date: v8-arithmetic-key plus one change — `decode` renders
 * `since` (u32 epoch seconds) as ISO-8601 by integer arithmetic on the day
 * number (Hinnant's days-to-civil) and a table of two-digit strings, instead
 * of isoSeconds' `new Date(…).toISOString().replace(".000Z", "Z")`: a Date
 * object, its formatting and a string replace for every hit. Same text for
 * every u32 (test/enrich/arithmetic-date.test.ts checks it against Date).
 * Evidence: FINDINGS.md §13.
 */
import type { EnrichContext } from "../variant.ts";
import { derive } from "../variant.ts";
import { tableDecoder } from "./v4-table-decode.ts";
import { v8ArithmeticKey } from "./v8-arithmetic-key.ts";

const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, "0"));

/** isoSecondsByArithmetic: epoch seconds (0 ≤ s < 2^32, years 1970–2106) → "YYYY-MM-DDTHH:MM:SSZ". */
export function isoSecondsByArithmetic(s: number): string {
  const days = Math.floor(s / 86400);
  let rest = s - days * 86400;
  const hh = Math.floor(rest / 3600);
  rest -= hh * 3600;
  const mm = Math.floor(rest / 60);
  const ss = rest - mm * 60;
  // days since 1970-01-01 → civil date, in 400-year eras starting on 0000-03-01.
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${y}-${TWO_DIGITS[m]}-${TWO_DIGITS[d]}T${TWO_DIGITS[hh]}:${TWO_DIGITS[mm]}:${TWO_DIGITS[ss]}Z`;
}

const decodeArithmeticDate = tableDecoder(isoSecondsByArithmetic);

export const v9ArithmeticDate = derive(v8ArithmeticKey, "v9-arithmetic-date", "since is rendered by day arithmetic and a two-digit table, not a Date, toISOString and a replace per hit", {
  decode(pos: number, ctx: EnrichContext): Record<string, unknown> {
    return decodeArithmeticDate(ctx.index.payload(pos));
  },
});
