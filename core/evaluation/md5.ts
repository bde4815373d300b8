// A plain RFC 1321 md5 over a string's UTF-8 bytes. node:crypto's createHash costs about a microsecond of setup per
// call, which dominates for the short "feature,identity" strings that bucketing hashes dozens of times per identity;
// this version reuses its buffers, reads short ASCII strings straight into the message words, and is several times
// faster on such inputs.

const encoder = new TextEncoder();
const words = new Int32Array(16);
const state = new Int32Array(4);
const digest = new Uint8Array(16);
let bytes = new Uint8Array(1024);

function reset(): void {
  state[0] = 0x67452301;
  state[1] = 0xefcdab89 | 0;
  state[2] = 0x98badcfe | 0;
  state[3] = 0x10325476;
}

// The 64 steps are written out (constants are floor(abs(sin(i + 1)) * 2^32), shifts are the RFC's table) so that
// V8 keeps the whole state in registers.
function compress(): void {
  const w0 = words[0] as number;
  const w1 = words[1] as number;
  const w2 = words[2] as number;
  const w3 = words[3] as number;
  const w4 = words[4] as number;
  const w5 = words[5] as number;
  const w6 = words[6] as number;
  const w7 = words[7] as number;
  const w8 = words[8] as number;
  const w9 = words[9] as number;
  const w10 = words[10] as number;
  const w11 = words[11] as number;
  const w12 = words[12] as number;
  const w13 = words[13] as number;
  const w14 = words[14] as number;
  const w15 = words[15] as number;
  let a = state[0] as number;
  let b = state[1] as number;
  let c = state[2] as number;
  let d = state[3] as number;
  let t: number;
  t = (a + ((b & c) | (~b & d)) + 0xd76aa478 + w0) | 0;
  a = (b + ((t << 7) | (t >>> 25))) | 0;
  t = (d + ((a & b) | (~a & c)) + 0xe8c7b756 + w1) | 0;
  d = (a + ((t << 12) | (t >>> 20))) | 0;
  t = (c + ((d & a) | (~d & b)) + 0x242070db + w2) | 0;
  c = (d + ((t << 17) | (t >>> 15))) | 0;
  t = (b + ((c & d) | (~c & a)) + 0xc1bdceee + w3) | 0;
  b = (c + ((t << 22) | (t >>> 10))) | 0;
  t = (a + ((b & c) | (~b & d)) + 0xf57c0faf + w4) | 0;
  a = (b + ((t << 7) | (t >>> 25))) | 0;
  t = (d + ((a & b) | (~a & c)) + 0x4787c62a + w5) | 0;
  d = (a + ((t << 12) | (t >>> 20))) | 0;
  t = (c + ((d & a) | (~d & b)) + 0xa8304613 + w6) | 0;
  c = (d + ((t << 17) | (t >>> 15))) | 0;
  t = (b + ((c & d) | (~c & a)) + 0xfd469501 + w7) | 0;
  b = (c + ((t << 22) | (t >>> 10))) | 0;
  t = (a + ((b & c) | (~b & d)) + 0x698098d8 + w8) | 0;
  a = (b + ((t << 7) | (t >>> 25))) | 0;
  t = (d + ((a & b) | (~a & c)) + 0x8b44f7af + w9) | 0;
  d = (a + ((t << 12) | (t >>> 20))) | 0;
  t = (c + ((d & a) | (~d & b)) + 0xffff5bb1 + w10) | 0;
  c = (d + ((t << 17) | (t >>> 15))) | 0;
  t = (b + ((c & d) | (~c & a)) + 0x895cd7be + w11) | 0;
  b = (c + ((t << 22) | (t >>> 10))) | 0;
  t = (a + ((b & c) | (~b & d)) + 0x6b901122 + w12) | 0;
  a = (b + ((t << 7) | (t >>> 25))) | 0;
  t = (d + ((a & b) | (~a & c)) + 0xfd987193 + w13) | 0;
  d = (a + ((t << 12) | (t >>> 20))) | 0;
  t = (c + ((d & a) | (~d & b)) + 0xa679438e + w14) | 0;
  c = (d + ((t << 17) | (t >>> 15))) | 0;
  t = (b + ((c & d) | (~c & a)) + 0x49b40821 + w15) | 0;
  b = (c + ((t << 22) | (t >>> 10))) | 0;
  t = (a + ((d & b) | (~d & c)) + 0xf61e2562 + w1) | 0;
  a = (b + ((t << 5) | (t >>> 27))) | 0;
  t = (d + ((c & a) | (~c & b)) + 0xc040b340 + w6) | 0;
  d = (a + ((t << 9) | (t >>> 23))) | 0;
  t = (c + ((b & d) | (~b & a)) + 0x265e5a51 + w11) | 0;
  c = (d + ((t << 14) | (t >>> 18))) | 0;
  t = (b + ((a & c) | (~a & d)) + 0xe9b6c7aa + w0) | 0;
  b = (c + ((t << 20) | (t >>> 12))) | 0;
  t = (a + ((d & b) | (~d & c)) + 0xd62f105d + w5) | 0;
  a = (b + ((t << 5) | (t >>> 27))) | 0;
  t = (d + ((c & a) | (~c & b)) + 0x02441453 + w10) | 0;
  d = (a + ((t << 9) | (t >>> 23))) | 0;
  t = (c + ((b & d) | (~b & a)) + 0xd8a1e681 + w15) | 0;
  c = (d + ((t << 14) | (t >>> 18))) | 0;
  t = (b + ((a & c) | (~a & d)) + 0xe7d3fbc8 + w4) | 0;
  b = (c + ((t << 20) | (t >>> 12))) | 0;
  t = (a + ((d & b) | (~d & c)) + 0x21e1cde6 + w9) | 0;
  a = (b + ((t << 5) | (t >>> 27))) | 0;
  t = (d + ((c & a) | (~c & b)) + 0xc33707d6 + w14) | 0;
  d = (a + ((t << 9) | (t >>> 23))) | 0;
  t = (c + ((b & d) | (~b & a)) + 0xf4d50d87 + w3) | 0;
  c = (d + ((t << 14) | (t >>> 18))) | 0;
  t = (b + ((a & c) | (~a & d)) + 0x455a14ed + w8) | 0;
  b = (c + ((t << 20) | (t >>> 12))) | 0;
  t = (a + ((d & b) | (~d & c)) + 0xa9e3e905 + w13) | 0;
  a = (b + ((t << 5) | (t >>> 27))) | 0;
  t = (d + ((c & a) | (~c & b)) + 0xfcefa3f8 + w2) | 0;
  d = (a + ((t << 9) | (t >>> 23))) | 0;
  t = (c + ((b & d) | (~b & a)) + 0x676f02d9 + w7) | 0;
  c = (d + ((t << 14) | (t >>> 18))) | 0;
  t = (b + ((a & c) | (~a & d)) + 0x8d2a4c8a + w12) | 0;
  b = (c + ((t << 20) | (t >>> 12))) | 0;
  t = (a + (b ^ c ^ d) + 0xfffa3942 + w5) | 0;
  a = (b + ((t << 4) | (t >>> 28))) | 0;
  t = (d + (a ^ b ^ c) + 0x8771f681 + w8) | 0;
  d = (a + ((t << 11) | (t >>> 21))) | 0;
  t = (c + (d ^ a ^ b) + 0x6d9d6122 + w11) | 0;
  c = (d + ((t << 16) | (t >>> 16))) | 0;
  t = (b + (c ^ d ^ a) + 0xfde5380c + w14) | 0;
  b = (c + ((t << 23) | (t >>> 9))) | 0;
  t = (a + (b ^ c ^ d) + 0xa4beea44 + w1) | 0;
  a = (b + ((t << 4) | (t >>> 28))) | 0;
  t = (d + (a ^ b ^ c) + 0x4bdecfa9 + w4) | 0;
  d = (a + ((t << 11) | (t >>> 21))) | 0;
  t = (c + (d ^ a ^ b) + 0xf6bb4b60 + w7) | 0;
  c = (d + ((t << 16) | (t >>> 16))) | 0;
  t = (b + (c ^ d ^ a) + 0xbebfbc70 + w10) | 0;
  b = (c + ((t << 23) | (t >>> 9))) | 0;
  t = (a + (b ^ c ^ d) + 0x289b7ec6 + w13) | 0;
  a = (b + ((t << 4) | (t >>> 28))) | 0;
  t = (d + (a ^ b ^ c) + 0xeaa127fa + w0) | 0;
  d = (a + ((t << 11) | (t >>> 21))) | 0;
  t = (c + (d ^ a ^ b) + 0xd4ef3085 + w3) | 0;
  c = (d + ((t << 16) | (t >>> 16))) | 0;
  t = (b + (c ^ d ^ a) + 0x04881d05 + w6) | 0;
  b = (c + ((t << 23) | (t >>> 9))) | 0;
  t = (a + (b ^ c ^ d) + 0xd9d4d039 + w9) | 0;
  a = (b + ((t << 4) | (t >>> 28))) | 0;
  t = (d + (a ^ b ^ c) + 0xe6db99e5 + w12) | 0;
  d = (a + ((t << 11) | (t >>> 21))) | 0;
  t = (c + (d ^ a ^ b) + 0x1fa27cf8 + w15) | 0;
  c = (d + ((t << 16) | (t >>> 16))) | 0;
  t = (b + (c ^ d ^ a) + 0xc4ac5665 + w2) | 0;
  b = (c + ((t << 23) | (t >>> 9))) | 0;
  t = (a + (c ^ (b | ~d)) + 0xf4292244 + w0) | 0;
  a = (b + ((t << 6) | (t >>> 26))) | 0;
  t = (d + (b ^ (a | ~c)) + 0x432aff97 + w7) | 0;
  d = (a + ((t << 10) | (t >>> 22))) | 0;
  t = (c + (a ^ (d | ~b)) + 0xab9423a7 + w14) | 0;
  c = (d + ((t << 15) | (t >>> 17))) | 0;
  t = (b + (d ^ (c | ~a)) + 0xfc93a039 + w5) | 0;
  b = (c + ((t << 21) | (t >>> 11))) | 0;
  t = (a + (c ^ (b | ~d)) + 0x655b59c3 + w12) | 0;
  a = (b + ((t << 6) | (t >>> 26))) | 0;
  t = (d + (b ^ (a | ~c)) + 0x8f0ccc92 + w3) | 0;
  d = (a + ((t << 10) | (t >>> 22))) | 0;
  t = (c + (a ^ (d | ~b)) + 0xffeff47d + w10) | 0;
  c = (d + ((t << 15) | (t >>> 17))) | 0;
  t = (b + (d ^ (c | ~a)) + 0x85845dd1 + w1) | 0;
  b = (c + ((t << 21) | (t >>> 11))) | 0;
  t = (a + (c ^ (b | ~d)) + 0x6fa87e4f + w8) | 0;
  a = (b + ((t << 6) | (t >>> 26))) | 0;
  t = (d + (b ^ (a | ~c)) + 0xfe2ce6e0 + w15) | 0;
  d = (a + ((t << 10) | (t >>> 22))) | 0;
  t = (c + (a ^ (d | ~b)) + 0xa3014314 + w6) | 0;
  c = (d + ((t << 15) | (t >>> 17))) | 0;
  t = (b + (d ^ (c | ~a)) + 0x4e0811a1 + w13) | 0;
  b = (c + ((t << 21) | (t >>> 11))) | 0;
  t = (a + (c ^ (b | ~d)) + 0xf7537e82 + w4) | 0;
  a = (b + ((t << 6) | (t >>> 26))) | 0;
  t = (d + (b ^ (a | ~c)) + 0xbd3af235 + w11) | 0;
  d = (a + ((t << 10) | (t >>> 22))) | 0;
  t = (c + (a ^ (d | ~b)) + 0x2ad7d2bb + w2) | 0;
  c = (d + ((t << 15) | (t >>> 17))) | 0;
  t = (b + (d ^ (c | ~a)) + 0xeb86d391 + w9) | 0;
  b = (c + ((t << 21) | (t >>> 11))) | 0;
  state[0] = ((state[0] as number) + a) | 0;
  state[1] = ((state[1] as number) + b) | 0;
  state[2] = ((state[2] as number) + c) | 0;
  state[3] = ((state[3] as number) + d) | 0;
}

function writeDigest(): Uint8Array {
  for (let i = 0; i < 4; i++) {
    const value = state[i] as number;
    digest[i * 4] = value & 0xff;
    digest[i * 4 + 1] = (value >>> 8) & 0xff;
    digest[i * 4 + 2] = (value >>> 16) & 0xff;
    digest[i * 4 + 3] = (value >>> 24) & 0xff;
  }
  return digest;
}

/** Single-block fast path: an ASCII string of at most 55 characters. False if the input is not such a string. */
function md5ShortAscii(input: string): boolean {
  const length = input.length;
  if (length > 55) return false;
  words.fill(0);
  for (let i = 0; i < length; i++) {
    const code = input.charCodeAt(i);
    if (code >= 0x80) return false;
    words[i >> 2] = (words[i >> 2] as number) | (code << ((i & 3) << 3));
  }
  words[length >> 2] = (words[length >> 2] as number) | (0x80 << ((length & 3) << 3));
  words[14] = length * 8;
  reset();
  compress();
  return true;
}

/** md5ShortAscii of `prefix + suffix` without building the joined string (the multivariate hot path). */
function md5ShortAsciiPair(prefix: string, suffix: string): boolean {
  const split = prefix.length;
  const length = split + suffix.length;
  if (length > 55) return false;
  words.fill(0);
  for (let i = 0; i < split; i++) {
    const code = prefix.charCodeAt(i);
    if (code >= 0x80) return false;
    words[i >> 2] = (words[i >> 2] as number) | (code << ((i & 3) << 3));
  }
  for (let i = split; i < length; i++) {
    const code = suffix.charCodeAt(i - split);
    if (code >= 0x80) return false;
    words[i >> 2] = (words[i >> 2] as number) | (code << ((i & 3) << 3));
  }
  words[length >> 2] = (words[length >> 2] as number) | (0x80 << ((length & 3) << 3));
  words[14] = length * 8;
  reset();
  compress();
  return true;
}

function ensureCapacity(size: number): void {
  if (bytes.length >= size) return;
  let next = bytes.length;
  while (next < size) next *= 2;
  bytes = new Uint8Array(next);
}

function md5Bytes(input: string): void {
  ensureCapacity(input.length * 3 + 72);
  const length = encoder.encodeInto(input, bytes).written;
  const padded = (((length + 8) >>> 6) + 1) * 64;
  bytes[length] = 0x80;
  bytes.fill(0, length + 1, padded - 8);
  const bitsLow = (length * 8) >>> 0;
  const bitsHigh = Math.floor(length / 0x20000000);
  for (let i = 0; i < 4; i++) {
    bytes[padded - 8 + i] = (bitsLow >>> (8 * i)) & 0xff;
    bytes[padded - 4 + i] = (bitsHigh >>> (8 * i)) & 0xff;
  }
  reset();
  for (let offset = 0; offset < padded; offset += 64) {
    for (let w = 0; w < 16; w++) {
      const p = offset + w * 4;
      words[w] =
        (bytes[p] as number) |
        ((bytes[p + 1] as number) << 8) |
        ((bytes[p + 2] as number) << 16) |
        ((bytes[p + 3] as number) << 24);
    }
    compress();
  }
}

/**
 * md5 of the UTF-8 encoding of `input`. The returned array is reused by the next call: read it before hashing again.
 */
export function md5(input: string): Uint8Array {
  if (!md5ShortAscii(input)) md5Bytes(input);
  return writeDigest();
}

/**
 * A hash prefix prepared for `md5StateOfPrefixed`. Its bytes are laid out as message words on its first use, not
 * when compiled: an environment compiles tens of thousands of prefixes, most of which a given run never hashes.
 */
export interface Md5Prefix {
  readonly text: string;
  /** The prefix's bytes in message-word order (zero beyond them); null when not short ASCII; undefined until used. */
  words: Int32Array | null | undefined;
}

export function prepareMd5Prefix(text: string): Md5Prefix {
  return { text, words: undefined };
}

function layOutPrefix(prefix: Md5Prefix): Int32Array | null {
  const text = prefix.text;
  let laidOut: Int32Array | null = null;
  if (text.length <= 55) {
    laidOut = new Int32Array(16);
    for (let i = 0; i < text.length && laidOut !== null; i++) {
      const code = text.charCodeAt(i);
      if (code >= 0x80) laidOut = null;
      else laidOut[i >> 2] = (laidOut[i >> 2] as number) | (code << ((i & 3) << 3));
    }
  }
  prefix.words = laidOut;
  return laidOut;
}

// The suffix last hashed (the identity key, the same for every feature of one evaluation), laid out once per byte
// alignment of the prefix's end: its bytes and the 0x80 terminator, as if it started at byte `alignment` of a word.
let cachedSuffix: string | undefined;
let cachedSuffixAscii = false;
const suffixWords = new Int32Array(64);
const suffixAlignmentReady = [false, false, false, false];

function prepareSuffix(suffix: string): void {
  cachedSuffix = suffix;
  suffixAlignmentReady.fill(false);
  cachedSuffixAscii = suffix.length <= 55;
  for (let i = 0; i < suffix.length && cachedSuffixAscii; i++) {
    if (suffix.charCodeAt(i) >= 0x80) cachedSuffixAscii = false;
  }
}

function alignSuffix(suffix: string, alignment: number): void {
  const base = alignment * 16;
  suffixWords.fill(0, base, base + 16);
  const length = suffix.length;
  for (let i = 0; i < length; i++) {
    const at = i + alignment;
    suffixWords[base + (at >> 2)] =
      (suffixWords[base + (at >> 2)] as number) | (suffix.charCodeAt(i) << ((at & 3) << 3));
  }
  const end = length + alignment;
  suffixWords[base + (end >> 2)] = (suffixWords[base + (end >> 2)] as number) | (0x80 << ((end & 3) << 3));
  suffixAlignmentReady[alignment] = true;
}

/**
 * md5(prefix.text + suffix) as the four state words (the digest is their little-endian bytes). The array is reused
 * by the next call. Hashing many prefixes with one suffix lays the suffix out once, not once per prefix.
 */
export function md5StateOfPrefixed(prefix: Md5Prefix, suffix: string): Int32Array {
  if (suffix !== cachedSuffix) prepareSuffix(suffix);
  const prefixWords = prefix.words === undefined ? layOutPrefix(prefix) : prefix.words;
  const split = prefix.text.length;
  const length = split + suffix.length;
  if (prefixWords === null || !cachedSuffixAscii || length > 55) {
    md5Bytes(prefix.text + suffix);
    return state;
  }
  const alignment = split & 3;
  if (!suffixAlignmentReady[alignment]) alignSuffix(suffix, alignment);
  const first = split >> 2;
  for (let w = 0; w < first; w++) words[w] = prefixWords[w] as number;
  const base = alignment * 16 - first;
  words[first] = (prefixWords[first] as number) | (suffixWords[base + first] as number);
  // The terminator is at byte ≤ 55, so words 14 and 15 hold only the bit length.
  for (let w = first + 1; w < 14; w++) words[w] = suffixWords[base + w] as number;
  words[14] = length * 8;
  words[15] = 0;
  reset();
  compress();
  return state;
}

/** md5(prefix + suffix), reusing the digest array like `md5`. */
export function md5OfPair(prefix: string, suffix: string): Uint8Array {
  if (!md5ShortAsciiPair(prefix, suffix)) md5Bytes(prefix + suffix);
  return writeDigest();
}
