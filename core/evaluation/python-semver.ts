// python-semver 3 (`semver.Version.parse`), which Flagsmith's engine uses for `:semver` conditions: strict
// MAJOR.MINOR.PATCH, optional pre-release and build; build metadata is ignored when comparing. Its pattern is a
// Python str pattern, so `\d` is any Unicode decimal digit, and `$` also accepts one trailing newline.
import { asciiDigits } from './python-casts.js';
import { DECIMAL_CLASS } from './unicode-14-tables.js';

// The same grammar for ASCII input (almost every version string), without the `u` flag's cost.
const ASCII_SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?\n?$/;
const NON_ASCII = /[^\x20-\x7e\n]/;
// `\d` is Python 3.11's decimal digits (Unicode 14).
const D = `[${DECIMAL_CLASS}]`;
const SEMVER = new RegExp(
  `^(0|[1-9]${D}*)\\.(0|[1-9]${D}*)\\.(0|[1-9]${D}*)(?:-((?:0|[1-9]${D}*|${D}*[a-zA-Z-][0-9a-zA-Z-]*)(?:\\.(?:0|[1-9]${D}*|${D}*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?\\n?$`,
  'u',
);

/** A version number part: a number, or a bigint past 2^53 (Python ints are unbounded). */
type Part = number | bigint;

export interface Semver {
  readonly major: Part;
  readonly minor: Part;
  readonly patch: Part;
  /** Dot-separated pre-release identifiers (numeric ones as numbers); empty for a release. */
  readonly prerelease: readonly (string | Part)[];
  /** The pre-release and build as python-semver keeps them (strs), or null. */
  readonly prereleaseText: string | null;
  readonly build: string | null;
}

// str.isdigit(): the pre-release identifiers the pattern lets through are ASCII or Unicode decimal digits.
const DIGITS = new RegExp(`^${D}+$`, 'u');

function asciiPart(digits: string): Part {
  return digits.length <= 15 ? Number(digits) : BigInt(digits);
}

function unicodePart(digits: string): Part {
  return asciiPart(asciiDigits(digits));
}

function compareParts(a: Part, b: Part): number {
  if (typeof a === typeof b) return a === b ? 0 : a < b ? -1 : 1;
  const left = BigInt(a);
  const right = BigInt(b);
  return left === right ? 0 : left < right ? -1 : 1;
}

export function parseSemver(text: string): Semver | undefined {
  let match = ASCII_SEMVER.exec(text);
  let part = asciiPart;
  if (match === null) {
    if (!NON_ASCII.test(text)) return undefined;
    match = SEMVER.exec(text);
    if (match === null) return undefined;
    part = unicodePart;
  }
  const prereleaseText = match[4] ?? null;
  const prerelease =
    prereleaseText === null
      ? []
      : prereleaseText.split('.').map((item) => (DIGITS.test(item) ? part(item) : item));
  return {
    major: part(match[1] as string),
    minor: part(match[2] as string),
    patch: part(match[3] as string),
    prerelease,
    prereleaseText,
    build: match[5] ?? null,
  };
}

function compareIdentifiers(a: string | Part, b: string | Part): number {
  // python-semver's _nat_cmp: numbers sort before strings, numbers numerically, strings by code point.
  if (typeof a !== 'string') return typeof b !== 'string' ? compareParts(a, b) : -1;
  if (typeof b !== 'string') return 1;
  return a === b ? 0 : a < b ? -1 : 1;
}

/** -1, 0 or 1, as python-semver's `Version.compare`. */
export function compareSemver(a: Semver, b: Semver): number {
  const order =
    compareParts(a.major, b.major) || compareParts(a.minor, b.minor) || compareParts(a.patch, b.patch);
  if (order !== 0) return order;
  const left = a.prerelease;
  const right = b.prerelease;
  if (left.length === 0 || right.length === 0) {
    // A release outranks any of its pre-releases.
    if (left.length === right.length) return 0;
    return left.length === 0 ? 1 : -1;
  }
  const shared = Math.min(left.length, right.length);
  for (let i = 0; i < shared; i++) {
    const identifierOrder = compareIdentifiers(left[i] as string | Part, right[i] as string | Part);
    if (identifierOrder !== 0) return identifierOrder;
  }
  return left.length === right.length ? 0 : left.length < right.length ? -1 : 1;
}
