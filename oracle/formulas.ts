/**
 * The oracle: an independent BigInt transcription of docs/contract.md's data formulas
 * (keys, payload fields), written straight from the spec text and sharing no
 * code with src/. It exists only to check answers: tests and the golden
 * regenerator hold the fast u32-pair code in src/domain/ to it, and every
 * benchmark checks its result against it before and after timing. It lives
 * outside test/ so that bench/ can use it without importing test code; nothing
 * in src/ may import it (a service that checked itself against its own copy of
 * the contract would prove nothing).
 */
const M = (1n << 64n) - 1n;
const GOLDEN = 0x9e3779b97f4a7c15n;

export function fmix64(x: bigint): bigint {
  x ^= x >> 33n;
  x = (x * 0xff51afd7ed558ccdn) & M;
  x ^= x >> 33n;
  x = (x * 0xc4ceb9fe1a85ec53n) & M;
  x ^= x >> 33n;
  return x;
}

export function key(seed: bigint, rank: bigint): bigint {
  return fmix64(rank ^ fmix64(seed ^ GOLDEN));
}

const COUNTRIES = "US GB DE FR JP CN IN BR CA AU ES IT NL SE NO DK FI PL PT IE MX AR CL ZA NG EG KR SG ID TR CH AT".split(" ");
const TIERS = ["bronze", "silver", "gold", "platinum"];
const TAGS = "new returning mobile desktop tablet organic paid social email referral trial premium churn-risk high-value b2b b2c".split(" ");
const NAMES = "alpha bravo charlie delta echo foxtrot golf hotel india juliett kilo lima mike november oscar papa".split(" ");

/** The decoded fields of key k, computed from the formulas (not from any index). */
export function fields(k: bigint) {
  let s = k;
  const next = () => {
    s = (s + GOLDEN) & M;
    let z = s;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M;
    return z ^ (z >> 31n);
  };
  const account = Number(next() & 0xffffffffn);
  const segment = Number(next() % 4096n);
  const country = COUNTRIES[Number(next() % 32n)]!;
  const tier = TIERS[Number(next() % 4n)]!;
  const score = Number(next() % 10001n) / 10000;
  const bits = Number(next() & 0xffffn);
  const tags = TAGS.filter((_, i) => (bits >> i) & 1);
  const since = 1420070400 + Number(next() % 347155200n);
  const name = `acct-${account.toString(36)}-${NAMES[Number(next() % 16n)]}`;
  return { account, segment, country, tier, score, tags, since, name };
}
