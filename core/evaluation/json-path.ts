// Condition properties starting with "$." are JSONPath (RFC 9535) queries over the evaluation context. Flagsmith
// only documents plain member paths (`$.identity.identifier`, `$.environment.name`); this supports member names in
// dot or bracket notation and array indexes. Anything else cannot resolve, which Flagsmith treats as "not set".

const SHORTHAND = /^\.([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)/;
const QUOTED = /^\[\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*\]/;
const INDEX = /^\[\s*(-?\d+)\s*\]/;

function unescapeQuoted(text: string): string {
  return text.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_all, sequence: string) => {
    if (sequence.length === 5) return String.fromCharCode(Number.parseInt(sequence.slice(1), 16));
    const simple: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
    return simple[sequence] ?? sequence;
  });
}

/** The path's segments (names and indexes), or undefined when it is not a plain member/index path. */
export function parseJsonPath(path: string): (string | number)[] | undefined {
  if (!path.startsWith('$')) return undefined;
  const segments: (string | number)[] = [];
  let rest = path.slice(1);
  for (let guard = 0; rest.length > 0 && guard < 1000; guard++) {
    const shorthand = SHORTHAND.exec(rest);
    if (shorthand) {
      segments.push(shorthand[1] as string);
      rest = rest.slice((shorthand[0] as string).length);
      continue;
    }
    const quoted = QUOTED.exec(rest);
    if (quoted) {
      segments.push(unescapeQuoted(quoted[1] ?? quoted[2] ?? ''));
      rest = rest.slice((quoted[0] as string).length);
      continue;
    }
    const index = INDEX.exec(rest);
    if (index) {
      segments.push(Number(index[1]));
      rest = rest.slice((index[0] as string).length);
      continue;
    }
    return undefined;
  }
  return rest.length === 0 ? segments : undefined;
}

/** The value at `segments` inside `root`, or undefined when a step is missing. */
export function resolveJsonPath(root: unknown, segments: readonly (string | number)[]): unknown {
  let node = root;
  for (const segment of segments) {
    if (typeof segment === 'number') {
      if (!Array.isArray(node)) return undefined;
      node = node[segment < 0 ? node.length + segment : segment];
    } else {
      if (node === null || typeof node !== 'object' || Array.isArray(node) || !Object.hasOwn(node, segment)) {
        return undefined;
      }
      node = (node as Record<string, unknown>)[segment];
    }
  }
  return node;
}
