// python-semver 3 (`semver.Version.parse`), which Flagsmith's engine uses for `:semver` conditions: strict
// MAJOR.MINOR.PATCH, optional pre-release and build; build metadata is ignored when comparing. Python's `$` also
// accepts one trailing newline.
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?\n?$/;

export interface Semver {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** Dot-separated pre-release identifiers; empty for a release. */
  readonly prerelease: readonly (string | number)[];
}

const DIGITS = /^\d+$/;

export function parseSemver(text: string): Semver | undefined {
  const match = SEMVER.exec(text);
  if (!match) return undefined;
  const prerelease =
    match[4] === undefined
      ? []
      : match[4].split('.').map((part) => (DIGITS.test(part) ? Number(part) : part));
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]), prerelease };
}

function compareIdentifiers(a: string | number, b: string | number): number {
  // python-semver's _nat_cmp: numbers sort before strings, numbers numerically, strings by code point.
  if (typeof a === 'number') {
    if (typeof b === 'number') return a === b ? 0 : a < b ? -1 : 1;
    return -1;
  }
  if (typeof b === 'number') return 1;
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
    const order = compareIdentifiers(left[i] as string | number, right[i] as string | number);
    if (order !== 0) return order;
  }
  return left.length === right.length ? 0 : left.length < right.length ? -1 : 1;
}
