// The slow path of `python-regex.ts`: a small backtracking matcher with Python `re` semantics, used only for the
// patterns a JavaScript RegExp cannot express: conditional groups `(?(1)yes|no)` / `(?(name)yes|no)` and
// case-insensitive backreferences (Python compares the captured text by simple lowercase, code point by code point,
// which JavaScript's `i` flag, with its case folding and its one setting for the whole pattern, cannot say).
//
// The pattern's structure (sequences, alternatives, groups, quantifiers, look-arounds, backreferences, conditionals)
// is parsed here; every leaf (a literal, `.`, a class, `\d`, `^`, `$`, `\b` …) is translated by the fast path's
// Translator and run as a sticky JavaScript RegExp at the current position, so both paths read leaves alike.
import { pythonIntOfString } from './python-casts.js';
import { type Flags, fail, IDENTIFIER, pythonLower, Translator, Unsupported } from './python-regex.js';

/** Continuation: the rest of the pattern from an index; true when the whole match succeeds. */
type Continuation = (index: number) => boolean;
type MatchNode = (index: number, next: Continuation) => boolean;

interface Width {
  min: number;
  max: number;
}

interface Parsed {
  node: MatchNode;
  width: Width;
  /** Set for a one-character leaf: repeating it runs as a loop, not a recursion per character. */
  character?: RegExp;
}

const UNBOUNDED = Number.POSITIVE_INFINITY;
/** Bounds the work of one match (Python's sre has no bound; a pathological pattern answers "no match" here). */
const STEP_LIMIT = 1_000_000;

class StepLimitReached extends Error {}

/** Per-match state shared by a compiled pattern's nodes. */
interface MatchState {
  text: string;
  starts: number[];
  ends: number[];
  steps: number;
}

const VERBOSE_SPACE = new Set([' ', '\t', '\n', '\r', '\v', '\f']);
const DIGIT = /^[0-9]$/;
const OCTAL = /^[0-7]$/;

function sequenceOf(parts: readonly Parsed[]): Parsed {
  const width = parts.reduce(
    (sum, part) => ({ min: sum.min + part.width.min, max: sum.max + part.width.max }),
    {
      min: 0,
      max: 0,
    },
  );
  if (parts.length === 0) return { node: (index, next) => next(index), width };
  if (parts.length === 1) return parts[0] as Parsed;
  const nodes = parts.map((part) => part.node);
  const node = nodes.reduceRight<MatchNode>(
    (rest, first) => (index, next) => first(index, (after) => rest(after, next)),
    (index, next) => next(index),
  );
  return { node, width };
}

function alternativesOf(branches: readonly Parsed[]): Parsed {
  if (branches.length === 1) return branches[0] as Parsed;
  const nodes = branches.map((branch) => branch.node);
  return {
    node: (index, next) => {
      for (const branch of nodes) if (branch(index, next)) return true;
      return false;
    },
    width: {
      min: Math.min(...branches.map((branch) => branch.width.min)),
      max: Math.max(...branches.map((branch) => branch.width.max)),
    },
  };
}

class BacktrackParser {
  position = 0;
  groups = 0;
  readonly openGroups = new Set<number>();
  readonly names = new Map<string, number>();
  readonly groupWidths = new Map<number, Width>();
  /** Conditions on group numbers, checked once every group is known (a condition may name a later group). */
  readonly conditionGroups: number[] = [];
  /** Inside a look-behind: the number of groups defined before it (later ones may not be referred to there). */
  lookbehindGroups: number | undefined;
  readonly translator: Translator;

  constructor(
    readonly pattern: string,
    readonly state: MatchState,
  ) {
    this.translator = new Translator(pattern);
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

  /** Runs one of the Translator's leaf readers at the current position and compiles what it wrote. */
  leaf(read: (translator: Translator) => void, width: number): Parsed {
    const translator = this.translator;
    translator.position = this.position;
    translator.out = '';
    read(translator);
    this.position = translator.position;
    return this.leafOf(translator.out, width);
  }

  leafOf(source: string, width: number): Parsed {
    const regex = new RegExp(source, 'uy');
    const state = this.state;
    return {
      node: (index, next) => {
        if (++state.steps > STEP_LIMIT) throw new StepLimitReached();
        regex.lastIndex = index;
        if (!regex.test(state.text)) return false;
        return next(regex.lastIndex);
      },
      width: { min: width, max: width },
      ...(width === 1 ? { character: regex } : {}),
    };
  }

  alternatives(flags: Flags, depth: number): Parsed[] {
    const branches = [this.sequence(flags, depth)];
    while (this.peek() === '|') {
      this.next();
      branches.push(this.sequence(flags, depth));
    }
    return branches;
  }

  sequence(flags: Flags, depth: number): Parsed {
    const parts: Parsed[] = [];
    // Whether the last part can take a quantifier: false at the start, after an assertion or a quantifier.
    let quantifiable: 'no' | 'yes' | 'repeated' = 'no';
    while (this.position < this.pattern.length) {
      const char = this.peek();
      if (char === '|') break;
      if (char === ')') {
        if (depth === 0) fail();
        break;
      }
      this.next();
      if (flags.x && VERBOSE_SPACE.has(char)) continue;
      if (flags.x && char === '#') {
        while (this.position < this.pattern.length && this.peek() !== '\n') this.next();
        continue;
      }
      if (char === '*' || char === '+' || char === '?' || (char === '{' && this.braceAhead())) {
        if (quantifiable !== 'yes') fail();
        const [min, max] =
          char === '{'
            ? this.braceBounds()
            : char === '*'
              ? [0, UNBOUNDED]
              : char === '+'
                ? [1, UNBOUNDED]
                : [0, 1];
        let mode: 'greedy' | 'lazy' | 'possessive' = 'greedy';
        if (this.peek() === '?') {
          this.next();
          mode = 'lazy';
        } else if (this.peek() === '+') {
          this.next();
          mode = 'possessive';
        }
        parts.push(this.repeat(parts.pop() as Parsed, min, max, mode));
        quantifiable = 'repeated';
        continue;
      }
      const part = this.atom(char, flags, depth);
      if (part === undefined) continue;
      parts.push(part.parsed);
      quantifiable = part.assertion ? 'no' : 'yes';
    }
    if (depth === 0 && this.position < this.pattern.length && this.peek() !== '|') fail();
    return sequenceOf(parts);
  }

  /** One item after its first character; undefined for a comment. */
  atom(char: string, flags: Flags, depth: number): { parsed: Parsed; assertion: boolean } | undefined {
    switch (char) {
      case '.':
        return { parsed: this.leafOf(flags.s ? '[\\s\\S]' : '[^\\n]', 1), assertion: false };
      case '^':
        return { parsed: this.leafOf(flags.m ? '(?<![^\\n])' : '(?<![\\s\\S])', 0), assertion: true };
      case '$':
        return { parsed: this.leafOf(flags.m ? '(?![^\\n])' : '(?=\\n?(?![\\s\\S]))', 0), assertion: true };
      case '{':
        return { parsed: this.leaf((t) => t.literalAtom(0x7b, flags), 1), assertion: false };
      case '[':
        return { parsed: this.leaf((t) => t.characterClass(flags), 1), assertion: false };
      case '(':
        return this.group(flags, depth);
      case '\\':
        return this.escape(flags);
      default:
        return {
          parsed: this.leaf((t) => t.literalAtom(char.codePointAt(0) as number, flags), 1),
          assertion: false,
        };
    }
  }

  braceAhead(): boolean {
    const rest = this.pattern.slice(this.position);
    return !rest.startsWith('}') && /^([0-9]*)(?:(,)([0-9]*))?\}/.test(rest);
  }

  braceBounds(): [number, number] {
    const match = /^([0-9]*)(?:(,)([0-9]*))?\}/.exec(this.pattern.slice(this.position)) as RegExpExecArray;
    const low = match[1] as string;
    const high = match[2] === undefined ? low : (match[3] as string);
    const min = low === '' ? 0 : Number(low);
    const max = high === '' ? UNBOUNDED : Number(high);
    if (max < min || min >= 4294967295 || (Number.isFinite(max) && max >= 4294967295)) fail();
    this.position += (match[0] as string).length;
    return [min, max];
  }

  repeat(part: Parsed, min: number, max: number, mode: 'greedy' | 'lazy' | 'possessive'): Parsed {
    if (part.character) return this.repeatCharacter(part.character, min, max, mode);
    const body = part.node;
    const state = this.state;
    // An iteration that matches nothing ends the repetition (once the minimum is met), as in Python's sre.
    const loop = (count: number, index: number, next: Continuation): boolean => {
      if (++state.steps > STEP_LIMIT) throw new StepLimitReached();
      if (count < min) return body(index, (after) => loop(count + 1, after, next));
      const more = () =>
        count < max && body(index, (after) => (after === index ? next(after) : loop(count + 1, after, next)));
      if (mode === 'lazy') return next(index) || more();
      return more() || next(index);
    };
    const width = {
      min: part.width.min * min,
      max: max === 0 || part.width.max === 0 ? 0 : part.width.max * max,
    };
    if (mode !== 'possessive') return { node: (index, next) => loop(0, index, next), width };
    return { node: this.atomic((index, next) => loop(0, index, next)), width };
  }

  /**
   * A repeated one-character leaf (`.*`, `\\w+`, `[a-z]{2,5}`) as a loop over the text: the same choices, in the same
   * order, as the recursive repeat, without a stack frame per character (long texts would exhaust the stack).
   */
  repeatCharacter(regex: RegExp, min: number, max: number, mode: 'greedy' | 'lazy' | 'possessive'): Parsed {
    const state = this.state;
    /** The index after one more character from `index`, or -1. */
    const step = (index: number): number => {
      if (++state.steps > STEP_LIMIT) throw new StepLimitReached();
      regex.lastIndex = index;
      return regex.test(state.text) ? regex.lastIndex : -1;
    };
    const node: MatchNode =
      mode === 'lazy'
        ? (index, next) => {
            let at = index;
            let count = 0;
            for (; count < min; count++) {
              at = step(at);
              if (at < 0) return false;
            }
            for (;;) {
              if (next(at)) return true;
              if (count++ >= max) return false;
              at = step(at);
              if (at < 0) return false;
            }
          }
        : (index, next) => {
            const ends = [index];
            let at = index;
            while (ends.length - 1 < max) {
              at = step(at);
              if (at < 0) break;
              ends.push(at);
            }
            if (ends.length - 1 < min) return false;
            if (mode === 'possessive') return next(ends[ends.length - 1] as number);
            for (let count = ends.length - 1; count >= min; count--)
              if (next(ends[count] as number)) return true;
            return false;
          };
    return { node, width: { min, max } };
  }

  /** Matches `node` once (its first way), keeping its captures, then never backtracks into it. */
  atomic(node: MatchNode): MatchNode {
    const state = this.state;
    return (index, next) => {
      const starts = [...state.starts];
      const ends = [...state.ends];
      let end = -1;
      const found = node(index, (after) => {
        end = after;
        return true;
      });
      if (!found) return false;
      if (next(end)) return true;
      state.starts = starts;
      state.ends = ends;
      return false;
    };
  }

  groupName(terminator: string): string {
    const end = this.pattern.indexOf(terminator, this.position);
    if (end < 0) fail();
    const name = this.pattern.slice(this.position, end);
    if (!IDENTIFIER.test(name)) fail();
    this.position = end + 1;
    return name;
  }

  /** A group's body up to its `)`. */
  body(flags: Flags, depth: number): Parsed {
    const inner = alternativesOf(this.alternatives(flags, depth + 1));
    if (this.next() !== ')') fail();
    return inner;
  }

  group(flags: Flags, depth: number): { parsed: Parsed; assertion: boolean } | undefined {
    if (this.peek() !== '?') return { parsed: this.capture(flags, depth), assertion: false };
    this.next();
    const kind = this.next();
    if (kind === ':') return { parsed: this.body(flags, depth), assertion: false };
    if (kind === '#') {
      const end = this.pattern.indexOf(')', this.position);
      if (end < 0) fail();
      this.position = end + 1;
      return undefined;
    }
    if (kind === '=' || kind === '!') {
      const inner = this.body(flags, depth);
      return { parsed: this.lookahead(inner.node, kind === '='), assertion: false };
    }
    if (kind === '<' && (this.peek() === '=' || this.peek() === '!')) {
      const positive = this.next() === '=';
      const outer = this.lookbehindGroups;
      this.lookbehindGroups ??= this.groups;
      const inner = this.body(flags, depth);
      this.lookbehindGroups = outer;
      // Python: "look-behind requires fixed-width pattern".
      if (inner.width.min !== inner.width.max) fail();
      return { parsed: this.lookbehind(inner.node, inner.width.min, positive), assertion: false };
    }
    if (kind === '>') {
      const inner = this.body(flags, depth);
      return { parsed: { node: this.atomic(inner.node), width: inner.width }, assertion: false };
    }
    if (kind === '(') return { parsed: this.conditional(flags, depth), assertion: false };
    if (kind === 'P') {
      const sub = this.next();
      if (sub === '<') {
        const name = this.groupName('>');
        if (this.names.has(name)) fail();
        this.names.set(name, this.groups + 1);
        return { parsed: this.capture(flags, depth), assertion: false };
      }
      if (sub === '=') {
        const name = this.groupName(')');
        const group = this.names.get(name);
        if (group === undefined || this.openGroups.has(group)) fail();
        return { parsed: this.backreference(group, flags), assertion: false };
      }
      fail();
    }
    if (/[aiLmsux-]/.test(kind)) {
      // Scoped flags `(?flags-flags:…)`; global flags are only allowed at the start (handled by the caller).
      let text = kind;
      while (/[aiLmsux-]/.test(this.peek())) text += this.next();
      if (this.next() !== ':') fail();
      const [on, off = ''] = text.split('-') as [string, string?];
      if (text.split('-').length > 2 || on.includes('L') || off.includes('L') || /[au]/.test(off)) fail();
      const inner: Flags = {
        i: (flags.i || on.includes('i')) && !off.includes('i'),
        m: (flags.m || on.includes('m')) && !off.includes('m'),
        s: (flags.s || on.includes('s')) && !off.includes('s'),
        x: (flags.x || on.includes('x')) && !off.includes('x'),
        a: on.includes('a') || (flags.a && !on.includes('u')),
      };
      return { parsed: this.body(inner, depth), assertion: false };
    }
    fail();
  }

  capture(flags: Flags, depth: number): Parsed {
    const group = ++this.groups;
    this.openGroups.add(group);
    const inner = this.body(flags, depth);
    this.openGroups.delete(group);
    this.groupWidths.set(group, inner.width);
    const state = this.state;
    const body = inner.node;
    return {
      node: (index, next) =>
        body(index, (after) => {
          const start = state.starts[group] as number;
          const end = state.ends[group] as number;
          state.starts[group] = index;
          state.ends[group] = after;
          if (next(after)) return true;
          state.starts[group] = start;
          state.ends[group] = end;
          return false;
        }),
      width: inner.width,
    };
  }

  lookahead(node: MatchNode, positive: boolean): Parsed {
    const state = this.state;
    const matched: MatchNode = positive
      ? (index, next) => this.atomic(node)(index, () => next(index))
      : (index, next) => {
          const starts = [...state.starts];
          const ends = [...state.ends];
          const found = node(index, () => true);
          state.starts = starts;
          state.ends = ends;
          return !found && next(index);
        };
    return { node: matched, width: { min: 0, max: 0 } };
  }

  lookbehind(node: MatchNode, width: number, positive: boolean): Parsed {
    const state = this.state;
    /** The index `width` code points before `index`, or -1. */
    const back = (index: number): number => {
      let at = index;
      for (let i = 0; i < width; i++) {
        if (at <= 0) return -1;
        const low = state.text.charCodeAt(at - 1);
        at -=
          low >= 0xdc00 && low <= 0xdfff && at >= 2 && (state.text.charCodeAt(at - 2) & 0xfc00) === 0xd800
            ? 2
            : 1;
      }
      return at;
    };
    const inner: MatchNode = (index, next) => {
      const start = back(index);
      return start >= 0 && node(start, (after) => after === index && next(index));
    };
    if (positive)
      return {
        node: (index, next) => this.atomic(inner)(index, () => next(index)),
        width: { min: 0, max: 0 },
      };
    return { node: this.lookahead(inner, false).node, width: { min: 0, max: 0 } };
  }

  /** Python: inside a look-behind, a reference may name only a group closed before the look-behind began. */
  checkReference(group: number): void {
    if (this.lookbehindGroups === undefined) return;
    if (group > this.lookbehindGroups || this.openGroups.has(group)) fail();
  }

  backreference(group: number, flags: Flags): Parsed {
    this.checkReference(group);
    const state = this.state;
    const width = this.groupWidths.get(group) ?? { min: 0, max: UNBOUNDED };
    const ascii = flags.a;
    const node: MatchNode = flags.i
      ? (index, next) => {
          const start = state.starts[group] as number;
          if (start < 0) return false;
          const end = state.ends[group] as number;
          const text = state.text;
          let at = index;
          for (let from = start; from < end; ) {
            const expected = text.codePointAt(from) as number;
            const actual = text.codePointAt(at);
            if (
              actual === undefined ||
              foldForBackreference(actual, ascii) !== foldForBackreference(expected, ascii)
            )
              return false;
            from += expected > 0xffff ? 2 : 1;
            at += actual > 0xffff ? 2 : 1;
          }
          return next(at);
        }
      : (index, next) => {
          const start = state.starts[group] as number;
          if (start < 0) return false;
          const captured = state.text.slice(start, state.ends[group] as number);
          return state.text.startsWith(captured, index) && next(index + captured.length);
        };
    return { node, width };
  }

  escape(flags: Flags): { parsed: Parsed; assertion: boolean } {
    const letter = this.peek();
    if (DIGIT.test(letter) && letter !== '0') {
      // A group number, or a three-digit octal escape (Python's rule; the Translator reads the octal).
      const second = this.peek(1);
      const third = this.peek(2);
      if (!(OCTAL.test(letter) && OCTAL.test(second) && OCTAL.test(third))) {
        this.next();
        let digits = letter;
        if (DIGIT.test(this.peek())) digits += this.next();
        const group = Number(digits);
        if (group > this.groups || this.openGroups.has(group)) fail();
        return { parsed: this.backreference(group, flags), assertion: false };
      }
    }
    const assertion = /^[AZbB]$/.test(letter);
    return { parsed: this.leaf((t) => t.escape(flags), assertion ? 0 : 1), assertion };
  }

  conditional(flags: Flags, depth: number): Parsed {
    const end = this.pattern.indexOf(')', this.position);
    if (end < 0) fail();
    const name = this.pattern.slice(this.position, end);
    this.position = end + 1;
    let group: number;
    if (IDENTIFIER.test(name)) {
      const named = this.names.get(name);
      if (named === undefined) fail();
      group = named;
    } else {
      // int(name): Python also accepts whitespace, signs, underscores and Unicode digits here.
      const parsed = pythonIntOfString(name);
      if (parsed === undefined || parsed < 0) fail();
      if (parsed === 0) fail();
      if (typeof parsed === 'bigint' || parsed >= 1073741823) fail();
      group = parsed;
      this.conditionGroups.push(group);
    }
    this.checkReference(group);
    const yes = this.sequence(flags, depth + 1);
    let no: Parsed | undefined;
    if (this.peek() === '|') {
      this.next();
      no = this.sequence(flags, depth + 1);
      if (this.peek() === '|') fail();
    }
    if (this.next() !== ')') fail();
    const state = this.state;
    const yesNode = yes.node;
    const noNode = no?.node;
    return {
      node: (index, next) => {
        if ((state.starts[group] ?? -1) >= 0) return yesNode(index, next);
        return noNode ? noNode(index, next) : next(index);
      },
      width: {
        min: Math.min(yes.width.min, no?.width.min ?? 0),
        max: Math.max(yes.width.max, no?.width.max ?? 0),
      },
    };
  }
}

/** The fold Python's case-insensitive backreference compares: simple lowercase (ASCII only under `(?a)`). */
function foldForBackreference(codePoint: number, ascii: boolean): number {
  if (ascii) return codePoint >= 0x41 && codePoint <= 0x5a ? codePoint + 32 : codePoint;
  return pythonLower(codePoint);
}

/**
 * Compiles `pattern` (global flags already read) for Python's `re.match`; undefined where Python's `re.compile`
 * raises. A match that exceeds the step bound, or recurses past the stack, answers false.
 */
export function compileBacktracking(body: string, flags: Flags): ((text: string) => boolean) | undefined {
  const state: MatchState = { text: '', starts: [], ends: [], steps: 0 };
  const parser = new BacktrackParser(body, state);
  let root: Parsed;
  try {
    root = alternativesOf(parser.alternatives(flags, 0));
    if (parser.position < body.length) fail();
    for (const group of parser.conditionGroups) if (group > parser.groups) fail();
  } catch (error) {
    if (error instanceof Unsupported || error instanceof SyntaxError) return undefined;
    throw error;
  }
  const groups = parser.groups;
  const node = root.node;
  return (text) => {
    state.text = text;
    state.starts = new Array(groups + 1).fill(-1);
    state.ends = new Array(groups + 1).fill(-1);
    state.steps = 0;
    try {
      return node(0, () => true);
    } catch (error) {
      if (error instanceof StepLimitReached || error instanceof RangeError) return false;
      throw error;
    }
  };
}
