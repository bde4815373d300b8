// The IN operator's values, as Flagsmith's `_get_in_values` / `_parse_in_values_str` build them: a list's items
// str()-ed; a str starting with "[" read as JSON (items str()-ed: `1.0` → "1.0", `[1, 2]` → "[1, 2]",
// `{"a": 1}` → "{'a': 1}", null → "None"), falling back to a comma split when it is not JSON; any other str split
// on commas, untrimmed.
import { parseJson } from './python-json.js';
import { pythonStr } from './python-value.js';

function strItems(items: readonly unknown[]): Set<string> {
  return new Set(items.map((item) => (typeof item === 'string' ? item : pythonStr(item))));
}

/** The set IN looks context values up in, or undefined where Python raises (a value neither str nor list). */
export function parseInValues(value: unknown): Set<string> | undefined {
  if (Array.isArray(value)) return strItems(value);
  if (typeof value !== 'string') return undefined;
  if (value.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = parseJson(value);
    } catch {
      return new Set(value.split(','));
    }
    // A str starting with "[" that parses is a list.
    return strItems(parsed as unknown[]);
  }
  return new Set(value.split(','));
}
