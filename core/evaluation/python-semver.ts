// python-semver 3 (`semver.Version.parse`), which Flagsmith's engine uses for `:semver` conditions: strict
// MAJOR.MINOR.PATCH, optional pre-release and build; build metadata is ignored when comparing. Its pattern is a
// Python str pattern, so `\d` is any Unicode decimal digit, and `$` also accepts one trailing newline.
import { asciiDigits } from './python-casts.js';

const SEMVER =
  /^(0|[1-9]\p{Nd}*)\.(0|[1-9]\p{Nd}*)\.(0|[1-9]\p{Nd}*)(?:-((?:0|[1-9]\p{Nd}*|\p{Nd}*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\p{Nd}*|\p{Nd}*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?\n?$/u;

export interface Semver {
  readonly major: bigint;
  readonly minor: bigint;
  readonly patch: bigint;
  /** Dot-separated pre-release identifiers (numeric ones as bigint); empty for a release. */
  readonly prerelease: readonly (string | bigint)[];
  /** The pre-release and build as python-semver keeps them (strs), or null. */
  readonly prereleaseText: string | null;
  readonly build: string | null;
}

// str.isdigit(): the pre-release identifiers the pattern lets through are ASCII or Unicode decimal digits.
const DIGITS = /^\p{Nd}+$/u;

export function parseSemver(text: string): Semver | undefined {
  const match = SEMVER.exec(text);
  if (!match) return undefined;
  const prereleaseText = match[4] ?? null;
  const prerelease =
    prereleaseText === null
      ? []
      : prereleaseText.split('.').map((part) => (DIGITS.test(part) ? BigInt(asciiDigits(part)) : part));
  return {
    major: BigInt(asciiDigits(match[1] as string)),
    minor: BigInt(asciiDigits(match[2] as string)),
    patch: BigInt(asciiDigits(match[3] as string)),
    prerelease,
    prereleaseText,
    build: match[5] ?? null,
  };
}

function compareIdentifiers(a: string | bigint, b: string | bigint): number {
  // python-semver's _nat_cmp: numbers sort before strings, numbers numerically, strings by code point.
  if (typeof a === 'bigint') {
    if (typeof b === 'bigint') return a === b ? 0 : a < b ? -1 : 1;
    return -1;
  }
  if (typeof b === 'bigint') return 1;
  return a === b ? 0 : a < b ? -1 : 1;
}

/** -1, 0 or 1, as python-semver's `Version.compare`. */
export function compareSemver(a: Semver, b: Semver): number {
  if (a.major !== b.major) return a.major < b.major ? -1 : 1;
  if (a.minor !== b.minor) return a.minor < b.minor ? -1 : 1;
  if (a.patch !== b.patch) return a.patch < b.patch ? -1 : 1;
  const left = a.prerelease;
  const right = b.prerelease;
  if (left.length === 0 || right.length === 0) {
    // A release outranks any of its pre-releases.
    if (left.length === right.length) return 0;
    return left.length === 0 ? 1 : -1;
  }
  const shared = Math.min(left.length, right.length);
  for (let i = 0; i < shared; i++) {
    const order = compareIdentifiers(left[i] as string | bigint, right[i] as string | bigint);
    if (order !== 0) return order;
  }
  return left.length === right.length ? 0 : left.length < right.length ? -1 : 1;
}
