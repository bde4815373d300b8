import { type Md5Prefix, md5, md5OfPair, md5StateOfPrefixed, prepareMd5Prefix } from './md5.js';

// Flagsmith (Python) hashes `",".join(str(id) for id in ids * iterations)`, reads the md5 hex digest as one
// 128-bit integer and takes `n % 9999 / 9998 * 100`. Reducing the 16 digest bytes with Horner's rule gives the
// same remainder as the 128-bit integer without BigInt.
const MODULUS = 9999;

function digestMod9999(digest: Uint8Array): number {
  let remainder = 0;
  for (let i = 0; i < 16; i++) remainder = (remainder * 256 + (digest[i] as number)) % MODULUS;
  return remainder;
}

/** Flagsmith's `get_hashed_percentage_for_object_ids`: a stable number in [0, 100) for a list of ids. */
export function hashedPercentage(ids: readonly string[]): number {
  return hashedPercentageOfJoined(ids.join(','));
}

/** `hashedPercentage` for ids already joined with commas, so hot paths can prebuild the prefix. */
export function hashedPercentageOfJoined(joined: string): number {
  let source = joined;
  // A value of exactly 100 (remainder 9998) makes Flagsmith retry with the id list repeated; the loop is bounded
  // because each retry hashes a different string and a 1-in-9999 hit repeating 64 times is not a real case.
  for (let iterations = 1; iterations <= 64; iterations++) {
    const remainder = digestMod9999(md5(source));
    if (remainder !== MODULUS - 1) return (remainder / 9998) * 100;
    source = `${source},${joined}`;
  }
  return 0;
}

/** `hashedPercentageOfJoined(prefix + suffix)` without joining, for the per-feature multivariate hash. */
export function hashedPercentageOfPair(prefix: string, suffix: string): number {
  const remainder = digestMod9999(md5OfPair(prefix, suffix));
  if (remainder !== MODULUS - 1) return (remainder / 9998) * 100;
  return hashedPercentageOfJoined(prefix + suffix);
}

/** A hashing prefix (`"{feature key},"`, `"{segment key},"`) prepared once for `hashedPercentageOfPrefixed`. */
export type HashPrefix = Md5Prefix;
export const prepareHashPrefix: (prefix: string) => HashPrefix = prepareMd5Prefix;

/**
 * One md5 state word folded into the running remainder mod 9999, as the big-endian digest bytes it stands for (the
 * digest is the state's little-endian bytes), 16 bits at a time so that every step is a small-integer `%`.
 */
function foldWord(remainder: number, value: number): number {
  const high = (remainder * 65536 + (((value & 0xff) << 8) | ((value >>> 8) & 0xff))) % MODULUS;
  return (high * 65536 + (((value >>> 8) & 0xff00) | (value >>> 24))) % MODULUS;
}

/** `hashedPercentageOfJoined(prefix.text + suffix)`, reading the 128-bit digest mod 9999 from the md5 state. */
export function hashedPercentageOfPrefixed(prefix: HashPrefix, suffix: string): number {
  const state = md5StateOfPrefixed(prefix, suffix);
  let remainder = foldWord(0, state[0] as number);
  remainder = foldWord(remainder, state[1] as number);
  remainder = foldWord(remainder, state[2] as number);
  remainder = foldWord(remainder, state[3] as number);
  if (remainder !== MODULUS - 1) return (remainder / 9998) * 100;
  return hashedPercentageOfJoined(prefix.text + suffix);
}
