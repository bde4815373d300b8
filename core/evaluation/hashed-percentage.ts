import { md5, md5OfPair } from './md5.js';

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
