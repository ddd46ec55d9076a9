/**
 * parseKeyWithBigInt: the inherited key parser. Compiles its regular expression
 * on every call and goes through BigInt to split the key into u32 halves.
 */
export function parseKeyWithBigInt(key: string): { hi: number; lo: number } {
  const digits = new RegExp("^[0-9]{1,20}$");
  if (!digits.test(key)) throw new Error(`bad key ${key}`);
  const value = BigInt(key);
  return { hi: Number((value >> 32n) & 0xffffffffn), lo: Number(value & 0xffffffffn) };
}
