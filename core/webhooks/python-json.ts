/**
 * JSON exactly as Python's `json.dumps(value, sort_keys=True)` writes it, which is how Flagsmith serialises a
 * webhook body before signing it: keys sorted by code point, `", "` and `": "` between items, and every
 * character outside ASCII escaped as `\uXXXX` (`ensure_ascii`). Receivers verify the signature over the
 * bytes they receive, so matching Flagsmith's bytes keeps a receiver that re-serialises working too.
 */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
    return Number.isInteger(value) ? String(value) : pythonFloat(value);
  }
  if (typeof value === 'string') return asciiString(value);
  if (value instanceof Date) return asciiString(value.toISOString());
  if (Array.isArray(value)) return `[${value.map((item) => pythonJsonDumps(item)).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${asciiString(key)}: ${pythonJsonDumps(item)}`).join(', ')}}`;
  }
  return asciiString(String(value));
}

/** Python's float repr: shortest round-trip digits, as JavaScript's, but `1e-07` rather than `1e-7`. */
function pythonFloat(value: number): string {
  const text = String(value);
  return text.replace(/e([+-])(\d)$/, 'e$10$2');
}

function asciiString(text: string): string {
  let out = '"';
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    const character = text[index] as string;
    if (character === '"') out += '\\"';
    else if (character === '\\') out += '\\\\';
    else if (character === '\n') out += '\\n';
    else if (character === '\r') out += '\\r';
    else if (character === '\t') out += '\\t';
    else if (character === '\b') out += '\\b';
    else if (character === '\f') out += '\\f';
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += character;
  }
  return `${out}"`;
}
