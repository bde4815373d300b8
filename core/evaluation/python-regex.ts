// Flagsmith evaluates REGEX conditions with Python's `re.compile(pattern).match(str(value))`: anchored at the start,
// in Python's dialect, on str patterns (Unicode `\d`, `\w`, `\s`, `\b`; `.` excludes only "\n"; `$` matches at the
// end or before a final "\n"). This parses the Python pattern and writes an equivalent JavaScript `u` pattern,
// spelling out every construct whose meaning differs (so no JavaScript `m`/`s` flag and no `\r`/U+2028 line
// terminators leak in). Patterns Python rejects give undefined: such a condition never matches.
import { PYTHON_WHITESPACE } from './python-casts.js';

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  x: boolean;
  a: boolean;
}

const UNICODE_WORD = '\\p{L}\\p{N}_';
const ASCII_WORD = 'A-Za-z0-9_';
const ASCII_SPACE = ' \\t\\n\\r\\f\\v';
const VERBOSE_SPACE = new Set([' ', '\t', '\n', '\r', '\v', '\f']);
const OCTAL = /^[0-7]$/;
const DIGIT = /^[0-9]$/;
const HEX = /^[0-9a-fA-F]+$/;
const IDENTIFIER = /^[\p{ID_Start}_][\p{ID_Continue}]*$/u;
// Letters that are escapes in Python; any other ASCII letter after a backslash is an error.
const ESCAPE_LETTERS = new Set('abBdDfnrsStvwWZAxuUN');
const CLASS_ESCAPE_LETTERS = new Set('abdDfnrsStvwWxuUN');

class Unsupported extends Error {}

function fail(): never {
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

function setFor(letter: string, flags: Flags): { body: string; negated: boolean } {
  const lower = letter.toLowerCase();
  const body =
    lower === 'd'
      ? flags.a
        ? '0-9'
        : '\\p{Nd}'
      : lower === 'w'
        ? flags.a
          ? ASCII_WORD
          : UNICODE_WORD
        : flags.a
          ? ASCII_SPACE
          : PYTHON_WHITESPACE;
  return { body, negated: letter !== lower };
}

function caseVariants(codePoint: number): number[] {
  const char = String.fromCodePoint(codePoint);
  const variants = new Set([codePoint]);
  for (const other of [char.toLowerCase(), char.toUpperCase()]) {
    const point = other.codePointAt(0) as number;
    if (other.length === String.fromCodePoint(point).length) variants.add(point);
  }
  return [...variants];
}

class Translator {
  position = 0;
  out = '';
  /** Python group numbers → JavaScript group numbers (atomic groups add capture groups of their own). */
  readonly groupMap: number[] = [0];
  readonly openGroups = new Set<number>();
  readonly names = new Map<string, number>();
  jsGroups = 0;
  /** Where the last quantifiable atom starts in `out`, or -1 after an assertion or at the start of a branch. */
  atomStart = -1;
  atomHasGroup = false;

  constructor(
    readonly pattern: string,
    readonly globalIgnoreCase: boolean,
  ) {}

  peek(offset = 0): string {
    const point = this.pattern.codePointAt(this.position + offset);
    return point === undefined ? '' : String.fromCodePoint(point);
  }

  next(): string {
    const char = this.peek();
    this.position += char.length;
    return char;
  }

  emitAtom(text: string, hasGroup = false): void {
    this.atomStart = this.out.length;
    this.atomHasGroup = hasGroup;
    this.out += text;
  }

  emitAssertion(text: string): void {
    this.out += text;
    this.atomStart = -1;
  }

  literalAtom(codePoint: number, flags: Flags): void {
    if (flags.i && !this.globalIgnoreCase) {
      const variants = caseVariants(codePoint);
      this.emitAtom(variants.length > 1 ? `[${variants.map(literal).join('')}]` : literal(codePoint));
    } else this.emitAtom(literal(codePoint));
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
    // Renumbering groups inside the atom is not supported: such a pattern is refused (no match).
    if (this.atomHasGroup) fail();
    const atom = this.out.slice(this.atomStart);
    const group = ++this.jsGroups;
    this.out = `${this.out.slice(0, this.atomStart)}(?:(?=(${atom}${quantifier}))\\${group})`;
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
    if (this.peek() === '?') {
      this.next();
      const kind = this.next();
      if (kind === ':') this.out += '(?:';
      else if (kind === '=' || kind === '!') this.out += `(?${kind}`;
      else if (kind === '<' && (this.peek() === '=' || this.peek() === '!')) this.out += `(?<${this.next()}`;
      else if (kind === '#') {
        const end = this.pattern.indexOf(')', this.position);
        if (end < 0) fail();
        this.position = end + 1;
        return;
      } else if (kind === '>') {
        const group = ++this.jsGroups;
        this.out += '(?:(?=(';
        close = `))\\${group})`;
      } else if (kind === 'P') {
        const sub = this.next();
        if (sub === '<') {
          const name = this.groupName('>');
          if (this.names.has(name)) fail();
          pythonGroup = this.groupMap.length;
          this.names.set(name, pythonGroup);
          this.groupMap.push(++this.jsGroups);
          this.out += `(?<${name}>`;
        } else if (sub === '=') {
          const name = this.groupName(')');
          const group = this.names.get(name);
          if (group === undefined || this.openGroups.has(group)) fail();
          this.emitAtom(`\\k<${name}>`);
          return;
        } else fail();
      } else if (/[aiLmsux-]/.test(kind)) {
        // Scoped flags `(?flags-flags:…)`; global flags are only allowed at the start (handled by the caller).
        let text = kind;
        while (/[aiLmsux-]/.test(this.peek())) text += this.next();
        if (this.next() !== ':') fail();
        const [on, off = ''] = text.split('-') as [string, string?];
        if (text.split('-').length > 2 || on.includes('L') || off.includes('L') || /[au]/.test(off)) fail();
        if (off.includes('i') && this.globalIgnoreCase) fail();
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
      pythonGroup = this.groupMap.length;
      this.groupMap.push(++this.jsGroups);
      this.out += '(';
    }
    if (pythonGroup > 0) this.openGroups.add(pythonGroup);
    this.sequence(inner, depth + 1);
    if (this.next() !== ')') fail();
    if (pythonGroup > 0) this.openGroups.delete(pythonGroup);
    this.out += close;
    const text = this.out.slice(start);
    const lookaround = /^\(\?<?[=!]/.test(text);
    this.out = this.out.slice(0, start);
    if (lookaround) {
      // Python lets a lookahead be repeated; JavaScript does not, and a repeated assertion is the assertion.
      this.emitAtom(`(?:${text})`, true);
    } else this.emitAtom(text, true);
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
      default:
        return undefined;
    }
  }

  escape(flags: Flags): void {
    const letter = this.next();
    if (letter === '') fail();
    if (/[A-Za-z]/.test(letter)) {
      if (!ESCAPE_LETTERS.has(letter)) fail();
      // \N{NAME} needs Unicode's name table, which JavaScript does not ship.
      if (letter === 'N') fail();
      if (letter === 'A') {
        this.emitAssertion('(?<![\\s\\S])');
        return;
      }
      if (letter === 'Z') {
        this.emitAssertion('(?![\\s\\S])');
        return;
      }
      if (letter === 'b' || letter === 'B') {
        const word = `[${flags.a ? ASCII_WORD : UNICODE_WORD}]`;
        this.emitAssertion(
          letter === 'b'
            ? `(?:(?<=${word})(?!${word})|(?<!${word})(?=${word}))`
            : // Python before 3.14: \B never matches an empty string.
              `(?:(?<=${word})(?=${word})|(?!(?<![\\s\\S])(?![\\s\\S]))(?<!${word})(?!${word}))`,
        );
        return;
      }
      if ('dDwWsS'.includes(letter)) {
        const set = setFor(letter, flags);
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
      if (group >= this.groupMap.length || this.openGroups.has(group)) fail();
      this.emitAtom(`(?:\\${this.groupMap[group]})`);
      return;
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
      if (!CLASS_ESCAPE_LETTERS.has(letter) || letter === 'N') fail();
      if ('dDwWsS'.includes(letter)) return setFor(letter, flags);
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
    // Case-insensitive classes in a scoped (?i:…) would need case-folded ranges: refused (no match).
    if (flags.i && !this.globalIgnoreCase) fail();
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
    if (items.complements.length === 0) {
      this.emitAtom(`[${negated ? '^' : ''}${items.body}]`);
      return;
    }
    const positive = items.body === '' ? '' : `[${items.body}]`;
    if (!negated) {
      const parts = [...(positive ? [positive] : []), ...items.complements.map((body) => `[^${body}]`)];
      this.emitAtom(`(?:${parts.join('|')})`);
    } else {
      // Not (P or not C1 or not C2 …): not P, and in every C.
      const lookaheads = items.complements.map((body) => `(?=[${body}])`).join('');
      this.emitAtom(`(?:${positive ? `(?!${positive})` : ''}${lookaheads}[\\s\\S])`);
    }
  }
}

const GLOBAL_FLAGS = /^\(\?([aiLmsux]+)\)/;

function translate(pattern: string): { source: string; flags: string } | undefined {
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
  const translator = new Translator(body, flags.i);
  try {
    translator.sequence(flags, 0);
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
  // Sticky: the match must start at index 0 (Python's re.match).
  return { source: translator.out, flags: flags.i ? 'iuy' : 'uy' };
}

/** A tester for a Python regex, or undefined when Python would fail to compile it (such a condition never matches). */
export function compilePythonRegex(pattern: string): ((text: string) => boolean) | undefined {
  const translated = translate(pattern);
  if (!translated) return undefined;
  let regex: RegExp;
  try {
    regex = new RegExp(translated.source, translated.flags);
  } catch {
    return undefined;
  }
  return (text) => {
    regex.lastIndex = 0;
    return regex.test(text);
  };
}
