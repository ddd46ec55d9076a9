/** Query-parameter parsing for the admin endpoints: a bad value is a 400 that says what was expected. */

export class ParamError extends Error {
  readonly status = 400;
}

/** num reads query[name] as a number in [min, max] (default when absent); throws ParamError otherwise. */
export function num(query: Record<string, string | undefined>, name: string, o: { def: number; min: number; max: number }): number {
  const raw = query[name];
  if (raw === undefined || raw === "") return o.def;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < o.min || v > o.max) throw new ParamError(`${name}: expected a number from ${o.min} to ${o.max}, got '${raw}'`);
  return v;
}

/** optionalNum is num without a default: undefined when absent. */
export function optionalNum(query: Record<string, string | undefined>, name: string, o: { min: number; max: number }): number | undefined {
  return query[name] === undefined || query[name] === "" ? undefined : num(query, name, { ...o, def: 0 });
}

/** choice reads query[name] as one of `allowed` (the first is the default). */
export function choice<T extends string>(query: Record<string, string | undefined>, name: string, allowed: readonly T[]): T {
  const raw = query[name];
  if (raw === undefined || raw === "") return allowed[0]!;
  if (!(allowed as readonly string[]).includes(raw)) throw new ParamError(`${name}: expected one of ${allowed.join(", ")}, got '${raw}'`);
  return raw as T;
}
