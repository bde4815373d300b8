// Python's `unicodedata.lookup` as `\N{…}` in a pattern uses it (Python 3.11, Unicode 14): stored names and
// formal aliases without regard to ASCII case; Hangul syllables and CJK unified ideographs computed, exactly as
// written (uppercase). The table is unpacked on the first `\N{…}` only.
import { inflateSync } from 'node:zlib';
import {
  CHARACTER_NAME_ALIASES,
  CHARACTER_NAMES_DEFLATED,
  CJK_UNIFIED_RANGES,
  HANGUL_LEADS,
  HANGUL_TRAILS,
  HANGUL_VOWELS,
} from './unicode-14-names.js';

const HANGUL_FIRST = 0xac00;
const CJK_UNIFIED = /^CJK UNIFIED IDEOGRAPH-([0-9A-F]{4,5})$/;
const DISTANCE = /^([0-9a-f]+) /;

let stored: Map<string, number> | undefined;
let hangul: Map<string, number> | undefined;

function storedNames(): Map<string, number> {
  if (stored) return stored;
  stored = new Map();
  const text = inflateSync(Buffer.from(CHARACTER_NAMES_DEFLATED, 'base64')).toString('latin1');
  let codePoint = -1;
  for (const line of text.split('\n')) {
    const distance = DISTANCE.exec(line);
    codePoint += distance ? Number.parseInt(distance[1] as string, 16) : 1;
    stored.set(distance ? line.slice((distance[0] as string).length) : line, codePoint);
  }
  for (const [aliased, name] of CHARACTER_NAME_ALIASES) stored.set(name, aliased);
  return stored;
}

function hangulSyllables(): Map<string, number> {
  if (hangul) return hangul;
  hangul = new Map();
  let codePoint = HANGUL_FIRST;
  for (const lead of HANGUL_LEADS)
    for (const vowel of HANGUL_VOWELS)
      for (const trail of HANGUL_TRAILS) hangul.set(`HANGUL SYLLABLE ${lead}${vowel}${trail}`, codePoint++);
  return hangul;
}

/** The code point Python's `\N{name}` stands for, or undefined where `re` reports an undefined name. */
export function lookupCharacterName(name: string): number | undefined {
  if (name.startsWith('HANGUL SYLLABLE ')) return hangulSyllables().get(name);
  const cjk = CJK_UNIFIED.exec(name);
  if (cjk) {
    const codePoint = Number.parseInt(cjk[1] as string, 16);
    return CJK_UNIFIED_RANGES.some(([start, end]) => codePoint >= start && codePoint <= end)
      ? codePoint
      : undefined;
  }
  // Only ASCII letters are case-folded (CPython uppercases the name's UTF-8 bytes one by one).
  return storedNames().get(name.replace(/[a-z]+/g, (letters) => letters.toUpperCase()));
}
