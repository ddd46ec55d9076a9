/**
 * Number formatting with Go's semantics, so tables match benchstat byte for
 * byte: fixed-point rounding is exact and rounds half to even (JS toFixed
 * rounds exact halves up: (2.5).toFixed(0) is "3", Go's %.0f gives "2"), and
 * %v of a float64 is the shortest representation with Go's exponent rules.
 */

/** formatFixed renders x with `prec` digits after the point, like Go's strconv.FormatFloat(x, 'f', prec, 64); `plus` adds "+" to non-negatives (%+.Nf). */
export function formatFixed(x: number, prec: number, plus = false): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "+Inf" : "-Inf";
  const neg = x < 0 || Object.is(x, -0);
  const [mant, exp] = decompose(Math.abs(x));
  // |x| = mant · 2^exp exactly; scale by 10^prec and round half to even.
  const scale = 10n ** BigInt(prec);
  let q: bigint;
  if (exp >= 0) q = (mant << BigInt(exp)) * scale;
  else {
    const den = 1n << BigInt(-exp);
    const num = mant * scale;
    q = num / den;
    const r2 = (num % den) * 2n;
    if (r2 > den || (r2 === den && q % 2n === 1n)) q++;
  }
  let digits = q.toString();
  if (prec > 0) {
    digits = digits.padStart(prec + 1, "0");
    digits = `${digits.slice(0, -prec)}.${digits.slice(-prec)}`;
  }
  return (neg ? "-" : plus ? "+" : "") + digits;
}

// decompose returns [m, e] with x = m · 2^e exactly, for finite x ≥ 0.
function decompose(x: number): [bigint, number] {
  if (x === 0) return [0n, 0];
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0), lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (biased === 0) return [mant, -1074];
  mant |= 1n << 52n;
  return [mant, biased - 1075];
}

/** goFloat renders x like Go's %v for a float64: shortest digits, exponent form when the exponent is < -4 or ≥ 6 ("1e+06"). */
export function goFloat(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "+Inf" : "-Inf";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const [m, e] = x.toExponential().split("e") as [string, string];
  const exp = Number(e);
  if (exp >= -4 && exp < 6) return String(x);
  return `${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
}
