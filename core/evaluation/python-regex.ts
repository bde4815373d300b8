// Flagsmith evaluates REGEX conditions with Python's `re.compile(pattern).match(str(value))`: anchored at the start,
// in Python's dialect, on str patterns (Unicode `\d`, `\w`, `\s`, `\b`; `.` excludes only "\n"; `$` matches at the
// end or before a final "\n"). This parses the Python pattern and writes an equivalent JavaScript `u` pattern,
// spelling out every construct whose meaning differs (so no JavaScript `m`/`s` flag and no `\r`/U+2028 line
// terminators leak in). Patterns Python rejects give undefined: such a condition never matches.
import { PYTHON_WHITESPACE } from './python-casts.js';
import { compileBacktracking } from './python-regex-backtrack.js';
import {
  DECIMAL_CLASS,
  IDENTIFIER_CONTINUE_CLASS,
  IDENTIFIER_START_CLASS,
  SIMPLE_LOWERCASE,
  WORD_CLASS,
} from './unicode-14-tables.js';
import { lookupCharacterName } from './unicode-names.js';

export interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  x: boolean;
  a: boolean;
}

// Python 3.11's tables (Unicode 14), not Node's newer ones. V8 matches its own property class for letters and
// numbers two to three times faster than the same (large) set spelled out, and on Latin-1 text the two agree
// (python-helpers.test.ts checks it): a pattern with `\w`, `\W`, `\b` or `\B` also gets a property-class twin, run
// on Latin-1 text only. The digit table is small enough to match as fast as `\p{Nd}`.
const UNICODE_WORD = WORD_CLASS;
const PROPERTY_WORD = '\\p{L}\\p{N}_';
const LATIN1_ONLY = /^[^\u0100-\uffff]*$/;
const ASCII_WORD = 'A-Za-z0-9_';
const ASCII_SPACE = ' \\t\\n\\r\\f\\v';
const VERBOSE_SPACE = new Set([' ', '\t', '\n', '\r', '\v', '\f']);
const OCTAL = /^[0-7]$/;
const DIGIT = /^[0-9]$/;
const HEX = /^[0-9a-fA-F]+$/;
/** str.isidentifier(): a group name. */
export const IDENTIFIER = new RegExp(`^[${IDENTIFIER_START_CLASS}][${IDENTIFIER_CONTINUE_CLASS}]*$`, 'u');
// Letters that are escapes in Python; any other ASCII letter after a backslash is an error.
const ESCAPE_LETTERS = new Set('abBdDfnrsStvwWZAxuUN');
const CLASS_ESCAPE_LETTERS = new Set('abdDfnrsStvwWxuUN');

export class Unsupported extends Error {}

/**
 * A pattern only the backtracking matcher runs as Python does: a conditional group, or a backreference (in Python a
 * reference to a group that did not take part fails, where JavaScript's matches the empty string; a group keeps its
 * capture from an earlier iteration of a repeat, where JavaScript's is reset; and case-insensitive references
 * compare by simple lowercase).
 */
class NeedsBacktracking extends Error {}

export function fail(): never {
  throw new Unsupported();
}

// Characters that mean themselves in and out of a JavaScript `u` class; V8 matches them faster written plainly.
const PLAIN = /^[A-Za-z0-9_@%&~#,:;'"<>=!` ]$/;

function literal(codePoint: number): string {
  const char = String.fromCodePoint(codePoint);
  return PLAIN.test(char) ? char : `\\u{${codePoint.toString(16)}}`;
}

/** A class item: code point ranges, plus positive sets and complemented sets (\W, \S …) spelled as class bodies. */
interface ClassItems {
  body: string;
  complements: string[];
}

function setFor(letter: string, flags: Flags, properties: boolean): { body: string; negated: boolean } {
  const lower = letter.toLowerCase();
  const body =
    lower === 'd'
      ? flags.a
        ? '0-9'
        : DECIMAL_CLASS
      : lower === 'w'
        ? flags.a
          ? ASCII_WORD
          : properties
            ? PROPERTY_WORD
            : UNICODE_WORD
        : flags.a
          ? ASCII_SPACE
          : PYTHON_WHITESPACE;
  return { body, negated: letter !== lower };
}

// Python's IGNORECASE (Unicode): a literal or class matches x when lower(x) is the lower form of one of its
// members, lower being the simple lowercase mapping (the first code point of the full one: "İ" → "i"), plus CPython's
// extra equivalences (re._casefix). JavaScript's `i` flag folds differently ("ı" and "i", "İ" and "i"), so Vexil
// never uses it for that and expands each literal and class to its case-equivalence closure instead.
const EXTRA_CASES: readonly (readonly number[])[] = [
  [0x69, 0x131],
  [0x73, 0x17f],
  [0xb5, 0x3bc],
  [0x345, 0x3b9, 0x1fbe],
  [0x390, 0x1fd3],
  [0x3b0, 0x1fe3],
  [0x3b2, 0x3d0],
  [0x3b5, 0x3f5],
  [0x3b8, 0x3d1],
  [0x3ba, 0x3f0],
  [0x3c0, 0x3d6],
  [0x3c1, 0x3f1],
  [0x3c2, 0x3c3],
  [0x3c6, 0x3d5],
  [0x432, 0x1c80],
  [0x434, 0x1c81],
  [0x43e, 0x1c82],
  [0x441, 0x1c83],
  [0x442, 0x1c84, 0x1c85],
  [0x44a, 0x1c86],
  [0x463, 0x1c87],
  [0x1c88, 0xa64b],
  [0x1e61, 0x1e9b],
  [0xfb05, 0xfb06],
];
// Every cased letter lies below U+20000.
const CASED_LIMIT = 0x20000;

let lowercase: Map<number, number> | undefined;

/** Python's simple lowercase mapping of one code point (_sre.unicode_tolower, Unicode 14). */
export function pythonLower(codePoint: number): number {
  if (lowercase === undefined) {
    lowercase = new Map();
    for (let i = 0; i < SIMPLE_LOWERCASE.length; i += 2)
      lowercase.set(SIMPLE_LOWERCASE[i] as number, SIMPLE_LOWERCASE[i + 1] as number);
  }
  return lowercase.get(codePoint) ?? codePoint;
}

let caseGroups:
  | { byCodePoint: Map<number, readonly number[]>; groups: readonly (readonly number[])[] }
  | undefined;

/** The case-equivalence classes with more than one member (built once, on the first case-insensitive pattern). */
function equivalenceClasses(): NonNullable<typeof caseGroups> {
  if (caseGroups) return caseGroups;
  const byLower = new Map<number, number[]>();
  for (let codePoint = 0; codePoint < CASED_LIMIT; codePoint++) {
    if (codePoint >= 0xd800 && codePoint <= 0xdfff) continue;
    const key = pythonLower(codePoint);
    const members = byLower.get(key);
    if (members) members.push(codePoint);
    else byLower.set(key, [codePoint]);
  }
  for (const extra of EXTRA_CASES) {
    const merged = new Set<number>();
    for (const codePoint of extra)
      for (const member of byLower.get(codePoint) ?? [codePoint]) merged.add(member);
    for (const codePoint of extra) byLower.set(codePoint, [...merged]);
  }
  const byCodePoint = new Map<number, readonly number[]>();
  const groups: (readonly number[])[] = [];
  for (const members of byLower.values()) {
    if (members.length < 2 || byCodePoint.has(members[0] as number)) continue;
    const sorted = [...new Set(members)].sort((x, y) => x - y);
    groups.push(sorted);
    for (const member of sorted) byCodePoint.set(member, sorted);
  }
  caseGroups = { byCodePoint, groups };
  return caseGroups;
}

export class Translator {
  position = 0;
  out = '';
  /**
   * Capture groups become JavaScript named groups `g<number>` (and atomic groups' helpers `a<n>`), so the helpers
   * never renumber Python's groups and backreferences need no rewriting.
   */
  groups = 0;
  helpers = 0;
  readonly openGroups = new Set<number>();
  readonly names = new Map<string, number>();
  /** Set by a look-behind, which Python requires to be of fixed width: the backtracking parser checks widths. */
  hasLookbehind = false;
  /** Where the last quantifiable atom starts in `out`, or -1 after an assertion or at the start of a branch. */
  atomStart = -1;

  /** Set when the pattern uses the Unicode word table (then a property-class twin is worth building). */
  usesUnicodeTables = false;

  /** `properties`: write V8's property class for `\w \W \b \B`, exact on Latin-1 text only. */
  constructor(
    readonly pattern: string,
    readonly properties = false,
  ) {}

  unicodeSet(letter: string, flags: Flags): { body: string; negated: boolean } {
    if (!flags.a && /[wW]/.test(letter)) this.usesUnicodeTables = true;
    return setFor(letter, flags, this.properties);
  }

  peek(offset = 0): string {
    const point = this.pattern.codePointAt(this.position + offset);
    return point === undefined ? '' : String.fromCodePoint(point);
  }

  next(): string {
    const char = this.peek();
    this.position += char.length;
    return char;
  }

  emitAtom(text: string): void {
    this.atomStart = this.out.length;
    this.out += text;
  }

  emitAssertion(text: string): void {
    this.out += text;
    this.atomStart = -1;
  }

  literalAtom(codePoint: number, flags: Flags): void {
    const group = flags.i ? equivalenceClasses().byCodePoint.get(codePoint) : undefined;
    this.emitAtom(group ? `[${group.map(literal).join('')}]` : literal(codePoint));
  }

  sequence(flags: Flags, depth: number): void {
    this.atomStart = -1;
    while (this.position < this.pattern.length) {
      const char = this.peek();
      if (char === ')') {
        if (depth === 0) fail();
        return;
      }
      this.next();
      if (flags.x && VERBOSE_SPACE.has(char)) continue;
      if (flags.x && char === '#') {
        while (this.position < this.pattern.length && this.peek() !== '\n') this.next();
        continue;
      }
      switch (char) {
        case '|':
          this.out += '|';
          this.atomStart = -1;
          break;
        case '.':
          this.emitAtom(flags.s ? '[\\s\\S]' : '[^\\n]');
          break;
        case '^':
          this.emitAssertion(flags.m ? '(?<![^\\n])' : '(?<![\\s\\S])');
          break;
        case '$':
          this.emitAssertion(flags.m ? '(?![^\\n])' : '(?=\\n?(?![\\s\\S]))');
          break;
        case '*':
        case '+':
        case '?':
          this.quantifier(char);
          break;
        case '{':
          if (!this.braceQuantifier()) this.literalAtom(0x7b, flags);
          break;
        case '[':
          this.characterClass(flags);
          break;
        case '(':
          this.group(flags, depth);
          break;
        case '\\':
          this.escape(flags);
          break;
        default:
          this.literalAtom(char.codePointAt(0) as number, flags);
      }
    }
    if (depth > 0) fail();
  }

  quantifier(text: string): void {
    if (this.atomStart < 0) fail();
    let quantifier = text;
    const modifier = this.peek();
    if (modifier === '?') {
      quantifier += this.next();
    } else if (modifier === '+') {
      this.next();
      this.possessive(quantifier);
      return;
    }
    this.out += quantifier;
    // A quantified atom cannot be quantified again ("multiple repeat").
    this.atomStart = -2;
  }

  /** `x*+` is `(?>x*)`: an atomic group, written as a lookahead capture and its backreference. */
  possessive(quantifier: string): void {
    const atom = this.out.slice(this.atomStart);
    const helper = `a${++this.helpers}`;
    this.out = `${this.out.slice(0, this.atomStart)}(?:(?=(?<${helper}>${atom}${quantifier}))\\k<${helper}>)`;
    this.atomStart = -2;
  }

  braceQuantifier(): boolean {
    const rest = this.pattern.slice(this.position);
    if (rest.startsWith('}')) return false;
    const match = /^([0-9]*)(?:(,)([0-9]*))?\}/.exec(rest);
    if (!match) return false;
    const low = match[1] as string;
    const high = match[2] === undefined ? low : (match[3] as string);
    const min = low === '' ? 0 : Number(low);
    const max = high === '' ? Number.POSITIVE_INFINITY : Number(high);
    if (max < min || min >= 4294967295 || (Number.isFinite(max) && max >= 4294967295)) fail();
    this.position += (match[0] as string).length;
    if (this.atomStart < 0) fail();
    const quantifier = Number.isFinite(max) ? `{${min},${max}}` : `{${min},}`;
    if (this.peek() === '?') {
      this.next();
      this.out += `${quantifier}?`;
    } else if (this.peek() === '+') {
      this.next();
      this.possessive(quantifier);
      return true;
    } else this.out += quantifier;
    this.atomStart = -2;
    return true;
  }

  groupName(terminator: string): string {
    const end = this.pattern.indexOf(terminator, this.position);
    if (end < 0) fail();
    const name = this.pattern.slice(this.position, end);
    if (!IDENTIFIER.test(name)) fail();
    this.position = end + 1;
    return name;
  }

  group(flags: Flags, depth: number): void {
    const start = this.out.length;
    let inner = flags;
    let close = ')';
    let pythonGroup = 0;
    let lookbehind = false;
    if (this.peek() === '?') {
      this.next();
      const kind = this.next();
      if (kind === ':') this.out += '(?:';
      else if (kind === '=' || kind === '!') this.out += `(?${kind}`;
      else if (kind === '<' && (this.peek() === '=' || this.peek() === '!')) {
        this.out += `(?<${this.next()}`;
        lookbehind = true;
      } else if (kind === '#') {
        const end = this.pattern.indexOf(')', this.position);
        if (end < 0) fail();
        this.position = end + 1;
        return;
      } else if (kind === '(') {
        // A conditional group `(?(1)yes|no)`: JavaScript has none.
        throw new NeedsBacktracking();
      } else if (kind === '>') {
        const helper = `a${++this.helpers}`;
        this.out += `(?:(?=(?<${helper}>`;
        close = `))\\k<${helper}>)`;
      } else if (kind === 'P') {
        const sub = this.next();
        if (sub === '<') {
          const name = this.groupName('>');
          if (this.names.has(name)) fail();
          pythonGroup = ++this.groups;
          this.names.set(name, pythonGroup);
          this.out += `(?<g${pythonGroup}>`;
        } else if (sub === '=') {
          const name = this.groupName(')');
          const group = this.names.get(name);
          if (group === undefined || this.openGroups.has(group)) fail();
          throw new NeedsBacktracking();
        } else fail();
      } else if (/[aiLmsux-]/.test(kind)) {
        // Scoped flags `(?flags-flags:…)`; global flags are only allowed at the start (handled by the caller).
        let text = kind;
        while (/[aiLmsux-]/.test(this.peek())) text += this.next();
        if (this.next() !== ':') fail();
        const [on, off = ''] = text.split('-') as [string, string?];
        if (text.split('-').length > 2 || on.includes('L') || off.includes('L') || /[au]/.test(off)) fail();
        inner = {
          i: (flags.i || on.includes('i')) && !off.includes('i'),
          m: (flags.m || on.includes('m')) && !off.includes('m'),
          s: (flags.s || on.includes('s')) && !off.includes('s'),
          x: (flags.x || on.includes('x')) && !off.includes('x'),
          a: on.includes('a') || (flags.a && !on.includes('u')),
        };
        this.out += '(?:';
      } else fail();
    } else {
      pythonGroup = ++this.groups;
      this.out += `(?<g${pythonGroup}>`;
    }
    if (pythonGroup > 0) this.openGroups.add(pythonGroup);
    if (lookbehind) this.hasLookbehind = true;
    this.sequence(inner, depth + 1);
    if (this.next() !== ')') fail();
    if (pythonGroup > 0) this.openGroups.delete(pythonGroup);
    this.out += close;
    const text = this.out.slice(start);
    const lookaround = /^\(\?<?[=!]/.test(text);
    this.out = this.out.slice(0, start);
    if (lookaround) {
      // Python lets a lookahead be repeated; JavaScript does not, and a repeated assertion is the assertion.
      this.emitAtom(`(?:${text})`);
    } else this.emitAtom(text);
  }

  /** An escape's code point where it stands for one character, else undefined. */
  escapedCodePoint(letter: string, inClass: boolean): number | undefined {
    switch (letter) {
      case 'a':
        return 7;
      case 'f':
        return 12;
      case 'n':
        return 10;
      case 'r':
        return 13;
      case 't':
        return 9;
      case 'v':
        return 11;
      case 'b':
        return inClass ? 8 : undefined;
      case 'x':
      case 'u':
      case 'U': {
        const width = letter === 'x' ? 2 : letter === 'u' ? 4 : 8;
        const digits = this.pattern.slice(this.position, this.position + width);
        if (digits.length !== width || !HEX.test(digits)) fail();
        this.position += width;
        const codePoint = Number.parseInt(digits, 16);
        if (codePoint > 0x10ffff) fail();
        return codePoint;
      }
      case 'N': {
        // \N{NAME}: Python's unicodedata.lookup (Unicode 14), a name table JavaScript does not ship.
        if (this.peek() !== '{') fail();
        const end = this.pattern.indexOf('}', this.position + 1);
        if (end < 0) fail();
        const name = this.pattern.slice(this.position + 1, end);
        const codePoint = name === '' ? undefined : lookupCharacterName(name);
        if (codePoint === undefined) fail();
        this.position = end + 1;
        return codePoint;
      }
      default:
        return undefined;
    }
  }

  escape(flags: Flags): void {
    const letter = this.next();
    if (letter === '') fail();
    if (/[A-Za-z]/.test(letter)) {
      if (!ESCAPE_LETTERS.has(letter)) fail();
      if (letter === 'A') {
        this.emitAssertion('(?<![\\s\\S])');
        return;
      }
      if (letter === 'Z') {
        this.emitAssertion('(?![\\s\\S])');
        return;
      }
      if (letter === 'b' || letter === 'B') {
        if (!flags.a) this.usesUnicodeTables = true;
        const word = `[${flags.a ? ASCII_WORD : this.properties ? PROPERTY_WORD : UNICODE_WORD}]`;
        this.emitAssertion(
          letter === 'b'
            ? `(?:(?<=${word})(?!${word})|(?<!${word})(?=${word}))`
            : // Python before 3.14: \B never matches an empty string.
              `(?:(?<=${word})(?=${word})|(?!(?<![\\s\\S])(?![\\s\\S]))(?<!${word})(?!${word}))`,
        );
        return;
      }
      if ('dDwWsS'.includes(letter)) {
        const set = this.unicodeSet(letter, flags);
        this.emitAtom(`[${set.negated ? '^' : ''}${set.body}]`);
        return;
      }
      const codePoint = this.escapedCodePoint(letter, false) as number;
      this.literalAtom(codePoint, flags);
      return;
    }
    if (letter === '0') {
      let digits = '';
      while (digits.length < 2 && OCTAL.test(this.peek())) digits += this.next();
      this.literalAtom(Number.parseInt(digits || '0', 8), flags);
      return;
    }
    if (DIGIT.test(letter)) {
      let digits = letter;
      if (DIGIT.test(this.peek())) {
        digits += this.next();
        if (OCTAL.test(digits[0] as string) && OCTAL.test(digits[1] as string) && OCTAL.test(this.peek())) {
          digits += this.next();
          const codePoint = Number.parseInt(digits, 8);
          if (codePoint > 0o377) fail();
          this.literalAtom(codePoint, flags);
          return;
        }
      }
      const group = Number(digits);
      if (group > this.groups || this.openGroups.has(group)) fail();
      throw new NeedsBacktracking();
    }
    this.literalAtom(letter.codePointAt(0) as number, flags);
  }

  /** One class item's code point, or a set (\d, \W …), reading escapes as Python does inside brackets. */
  classAtom(flags: Flags): number | { body: string; negated: boolean } {
    const char = this.next();
    if (char === '') fail();
    if (char !== '\\') return char.codePointAt(0) as number;
    const letter = this.next();
    if (letter === '') fail();
    if (/[A-Za-z]/.test(letter)) {
      if (!CLASS_ESCAPE_LETTERS.has(letter)) fail();
      if ('dDwWsS'.includes(letter)) return this.unicodeSet(letter, flags);
      return this.escapedCodePoint(letter, true) as number;
    }
    if (OCTAL.test(letter)) {
      let digits = letter;
      while (digits.length < 3 && OCTAL.test(this.peek())) digits += this.next();
      const codePoint = Number.parseInt(digits, 8);
      if (codePoint > 0o377) fail();
      return codePoint;
    }
    if (DIGIT.test(letter)) fail();
    return letter.codePointAt(0) as number;
  }

  characterClass(flags: Flags): void {
    let negated = false;
    if (this.peek() === '^') {
      this.next();
      negated = true;
    }
    const items: ClassItems = { body: '', complements: [] };
    let first = true;
    for (;;) {
      if (this.position >= this.pattern.length) fail();
      if (this.peek() === ']' && !first) {
        this.next();
        break;
      }
      first = false;
      const start = this.classAtom(flags);
      if (this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== '') {
        this.next();
        const end = this.classAtom(flags);
        if (typeof start !== 'number' || typeof end !== 'number' || end < start) fail();
        items.body += `${literal(start)}-${literal(end)}`;
        continue;
      }
      if (typeof start === 'number') items.body += literal(start);
      else if (start.negated) items.complements.push(start.body);
      else items.body += start.body;
    }
    // The class as a positive matcher, then widened to its case closure under IGNORECASE, then negated.
    const positive = items.body === '' ? '' : `[${items.body}]`;
    const parts = [...(positive ? [positive] : []), ...items.complements.map((body) => `[^${body}]`)];
    if (flags.i) {
      const extras = caseClosureExtras(parts);
      if (extras.length > 0) parts.push(`[${extras.map(literal).join('')}]`);
    }
    if (parts.length === 0) {
      // Python's `[]]`-style parsing never leaves a class empty; kept for safety.
      this.emitAtom(negated ? '[\\s\\S]' : '[^\\s\\S]');
      return;
    }
    const matcher = parts.length === 1 ? (parts[0] as string) : `(?:${parts.join('|')})`;
    if (!negated) this.emitAtom(matcher);
    else if (parts.length === 1 && positive) this.emitAtom(`[^${items.body}]`);
    else this.emitAtom(`(?:(?!${matcher})[\\s\\S])`);
  }
}

/** The members of case-equivalence classes that meet the class (`parts`, alternatives) but are not in it. */
function caseClosureExtras(parts: readonly string[]): number[] {
  const member = new RegExp(`^(?:${parts.join('|')})$`, 'u');
  const extras: number[] = [];
  for (const group of equivalenceClasses().groups) {
    const inside = group.filter((codePoint) => member.test(String.fromCodePoint(codePoint)));
    if (inside.length > 0 && inside.length < group.length) {
      for (const codePoint of group) if (!inside.includes(codePoint)) extras.push(codePoint);
    }
  }
  return extras;
}

const GLOBAL_FLAGS = /^\(\?([aiLmsux]+)\)/;

type Translated =
  | { source: string; flags: string; latin1Source?: string }
  | { backtracking: (text: string) => boolean };

function translate(pattern: string): Translated | undefined {
  const flags: Flags = { i: false, m: false, s: false, x: false, a: false };
  let body = pattern;
  let unicode = false;
  // Python 3.11+ allows global inline flags only at the very start.
  for (;;) {
    const match = GLOBAL_FLAGS.exec(body);
    if (!match) break;
    for (const flag of match[1] as string) {
      if (flag === 'L') return undefined;
      if (flag === 'u') unicode = true;
      else flags[flag as keyof Flags] = true;
    }
    body = body.slice((match[0] as string).length);
  }
  if (flags.a && unicode) return undefined;
  const translator = new Translator(body);
  try {
    translator.sequence(flags, 0);
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    if (error instanceof NeedsBacktracking) {
      const backtracking = compileBacktracking(body, flags);
      return backtracking && { backtracking };
    }
    throw error;
  }
  // Python refuses a look-behind whose width is not fixed ("a+", "a|bc"; a quantified look-ahead inside is
  // fine): the backtracking parser computes widths as Python does. JavaScript then runs the pattern as it is.
  if (translator.hasLookbehind && compileBacktracking(body, flags) === undefined) return undefined;
  // Sticky: the match must start at index 0 (Python's re.match). Case-insensitivity is spelled out in the pattern.
  if (!translator.usesUnicodeTables) return { source: translator.out, flags: 'uy' };
  const twin = new Translator(body, true);
  twin.sequence(flags, 0);
  return { source: translator.out, flags: 'uy', latin1Source: twin.out };
}

/** A tester for a Python regex, or undefined when Python would fail to compile it (such a condition never matches). */
export function compilePythonRegex(pattern: string): ((text: string) => boolean) | undefined {
  const translated = translate(pattern);
  if (!translated) return undefined;
  if ('backtracking' in translated) return translated.backtracking;
  let regex: RegExp;
  let latin1: RegExp | undefined;
  try {
    regex = new RegExp(translated.source, translated.flags);
    if (translated.latin1Source !== undefined) latin1 = new RegExp(translated.latin1Source, translated.flags);
  } catch {
    return undefined;
  }
  if (latin1 !== undefined) {
    const onLatin1 = latin1;
    return (text) => {
      const chosen = LATIN1_ONLY.test(text) ? onLatin1 : regex;
      chosen.lastIndex = 0;
      return chosen.test(text);
    };
  }
  return (text) => {
    regex.lastIndex = 0;
    return regex.test(text);
  };
}
