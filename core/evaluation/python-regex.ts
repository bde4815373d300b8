// Flagsmith evaluates REGEX conditions with Python's `re.match(pattern, str(value))`: anchored at the start only,
// in Python's dialect. This translates the Python-only syntax that has a JavaScript equivalent and rejects what
// Python itself would reject (unknown letter escapes), so such a condition never matches, as in Flagsmith.

// Letter escapes Python's `re` knows outside a character class; any other ASCII letter escape is an error there.
const KNOWN_LETTER_ESCAPES = new Set('abBdDfnrsStvwWZAxuUN');
const KNOWN_CLASS_LETTER_ESCAPES = new Set('abdDfnrsStvwWxuUN');
const GLOBAL_FLAGS = /^\(\?([aiLmsux]+)\)/;

function translate(pattern: string): { source: string; flags: string } | undefined {
  let body = pattern;
  let flags = '';
  let verbose = false;
  // Python 3.11+ only allows global inline flags at the very start.
  for (let guard = 0; guard < 16; guard++) {
    const match = GLOBAL_FLAGS.exec(body);
    if (!match) break;
    for (const flag of match[1] as string) {
      if (flag === 'i' && !flags.includes('i')) flags += 'i';
      else if (flag === 's' && !flags.includes('s')) flags += 's';
      else if (flag === 'm' && !flags.includes('m')) flags += 'm';
      else if (flag === 'x') verbose = true;
      else if (flag === 'L') return undefined;
    }
    body = body.slice((match[0] as string).length);
  }
  if (verbose) return undefined;
  const multiline = flags.includes('m');

  let out = '';
  let inClass = false;
  for (let i = 0; i < body.length; i++) {
    const char = body[i] as string;
    if (char === '\\') {
      const next = body[i + 1];
      if (next === undefined) return undefined;
      i++;
      if (/[A-Za-z]/.test(next)) {
        if (!(inClass ? KNOWN_CLASS_LETTER_ESCAPES : KNOWN_LETTER_ESCAPES).has(next)) return undefined;
        if (next === 'a') out += '\\x07';
        else if (next === 'A') out += '(?<![\\s\\S])';
        else if (next === 'Z') out += '(?![\\s\\S])';
        else if (next === 'N') return undefined;
        else if (next === 'U') {
          const hex = body.slice(i + 1, i + 9);
          if (!/^[0-9a-fA-F]{8}$/.test(hex)) return undefined;
          const codePoint = Number.parseInt(hex, 16);
          if (codePoint > 0x10ffff) return undefined;
          const literal = String.fromCodePoint(codePoint);
          out += literal.length === 1 ? `\\u${hex.slice(4)}` : `(?:${literal})`;
          i += 8;
        } else out += `\\${next}`;
      } else out += `\\${next}`;
      continue;
    }
    if (inClass) {
      if (char === ']') inClass = false;
      out += char;
      continue;
    }
    if (char === '[') {
      inClass = true;
      out += char;
      // A leading `]` (after an optional `^`) is a literal in Python.
      if (body[i + 1] === '^') {
        out += '^';
        i++;
      }
      if (body[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (char === '(' && body[i + 1] === '?') {
      if (body[i + 2] === 'P' && body[i + 3] === '<') {
        out += '(?<';
        i += 3;
        continue;
      }
      if (body[i + 2] === 'P' && body[i + 3] === '=') {
        const end = body.indexOf(')', i);
        if (end < 0) return undefined;
        out += `\\k<${body.slice(i + 4, end)}>`;
        i = end;
        continue;
      }
      if (body[i + 2] === '#') {
        const end = body.indexOf(')', i);
        if (end < 0) return undefined;
        i = end;
        continue;
      }
    }
    if (char === '{' && body[i + 1] === ',') {
      // Python reads `{,n}` as `{0,n}`.
      const match = /^\{,(\d+)\}/.exec(body.slice(i));
      if (match) {
        out += `{0,${match[1]}}`;
        i += (match[0] as string).length - 1;
        continue;
      }
    }
    if (char === '$' && !multiline) {
      // Python's `$` also matches just before a trailing newline.
      out += '(?=\\n?(?![\\s\\S]))';
      continue;
    }
    out += char;
  }
  if (inClass) return undefined;
  // Sticky: the match must start at index 0 (Python's re.match), without changing what `^` means.
  return { source: out, flags: `${flags}y` };
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
