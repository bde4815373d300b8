// Condition properties starting with "$." are RFC 9535 JSONPath queries over the evaluation context, evaluated as
// Flagsmith's Python engine does with jsonpath-rfc9535's `find_one`: the first node, if its value is a scalar.
// Plain member/index paths (`$.identity.traits.plan`, `$.environment.name`, `$.a[0]`) take a fast path here; any
// other query (wildcards, filters, slices, descendants) runs on json-p3, an RFC 9535 implementation by the same
// author as the Python one, over a read-only view of the context that keeps Python's dict order.
import {
  FunctionExpressionType,
  JSONPathEnvironment,
  JSONPathNodeList,
  type JSONPathQuery,
  jsonpath,
  Nothing,
} from 'json-p3';
import { KEY_ORDER, member, orderedEntries, PythonFloat } from './python-value.js';

export type PathStep = string | number;

// RFC 9535 member-name-shorthand, and the quoted names and indexes this fast path reads itself; anything else
// (escapes, whitespace, leading zeros, "-0") is left to the full parser.
const SHORTHAND =
  /^\.([A-Za-z_\u0080-\ud7ff\ue000-\uffff]|[\ud800-\udbff][\udc00-\udfff])(?:[A-Za-z0-9_\u0080-\ud7ff\ue000-\uffff]|[\ud800-\udbff][\udc00-\udfff])*/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: RFC 9535 forbids raw control characters in quoted names.
const QUOTED = /^\[(?:'([^'\\\x00-\x1f]*)'|"([^"\\\x00-\x1f]*)")\]/;
const INDEX = /^\[(0|-?[1-9][0-9]{0,14})\]/;

/** The steps of a plain member/index path, or undefined when the query needs the full RFC 9535 parser. */
export function parseSimplePath(path: string): PathStep[] | undefined {
  if (!path.startsWith('$')) return undefined;
  const steps: PathStep[] = [];
  let rest = path.slice(1);
  while (rest.length > 0) {
    const shorthand = SHORTHAND.exec(rest);
    if (shorthand) {
      steps.push((shorthand[0] as string).slice(1));
      rest = rest.slice((shorthand[0] as string).length);
      continue;
    }
    const quoted = QUOTED.exec(rest);
    if (quoted) {
      steps.push(quoted[1] ?? quoted[2] ?? '');
      rest = rest.slice((quoted[0] as string).length);
      continue;
    }
    const index = INDEX.exec(rest);
    if (index) {
      steps.push(Number(index[1]));
      rest = rest.slice((index[0] as string).length);
      continue;
    }
    return undefined;
  }
  return steps;
}

/** The value at `steps` inside `root` (objects, Maps and arrays), or undefined when a step is missing. */
export function resolveSteps(root: unknown, steps: readonly PathStep[], from = 0): unknown {
  let node = root;
  for (let i = from; i < steps.length; i++) {
    const step = steps[i] as PathStep;
    if (typeof step === 'number') {
      if (!Array.isArray(node)) return undefined;
      const index = step < 0 ? node.length + step : step;
      if (index < 0 || index >= node.length) return undefined;
      node = node[index];
    } else {
      node = member(node, step);
      if (node === undefined) return undefined;
    }
  }
  return node;
}

const environment = new JSONPathEnvironment();
// RFC 9535's length() counts Unicode scalar values (Python's len), not UTF-16 units.
environment.functionRegister.set('length', {
  argTypes: [FunctionExpressionType.ValueType],
  returnType: FunctionExpressionType.ValueType,
  call(value: unknown): unknown {
    if (typeof value === 'string') {
      let count = 0;
      for (const _ of value) count++;
      return count;
    }
    if (Array.isArray(value)) return value.length;
    if (typeof value === 'object' && value !== null) return Object.keys(value).length;
    return Nothing;
  },
});

// RFC 9535's match() and search() are false for a non-string subject; json-p3 tests String(value) ("1" matches
// "."), so it is guarded here.
for (const name of ['match', 'search']) {
  const original = environment.functionRegister.get(name) as {
    argTypes: unknown;
    returnType: unknown;
    call: (subject: unknown, pattern: unknown) => unknown;
  };
  environment.functionRegister.set(name, {
    argTypes: original.argTypes,
    returnType: original.returnType,
    call: (subject: unknown, pattern: unknown) =>
      typeof subject === 'string' && original.call(subject, pattern),
  } as never);
}

/** Python's str ordering (by code point); a local copy, as compile-condition.ts imports this module. */
function codePointLess(left: string, right: string): boolean {
  const shared = Math.min(left.length, right.length);
  for (let i = 0; i < shared; i++) {
    let a = left.charCodeAt(i);
    let b = right.charCodeAt(i);
    if (a === b) continue;
    if (a >= 0xd800 && b >= 0xd800) {
      a = a >= 0xe000 ? a - 0x800 : a + 0x2000;
      b = b >= 0xe000 ? b - 0x800 : b + 0x2000;
    }
    return a < b;
  }
  return left.length < right.length;
}

type Scalar = string | number | bigint | boolean;

function isScalar(value: unknown): value is Scalar {
  return (
    typeof value === 'string' ||
    typeof value === 'number' ||
    typeof value === 'boolean' ||
    typeof value === 'bigint'
  );
}

/**
 * Python's order of two numbers, exact across ints past 2^53 (bigints here) and floats: -1, 0, 1, or NaN when
 * unordered. Query literals are doubles already: jsonpath-rfc9535 reads an integer literal as int(float(text)).
 */
function compareExactly(left: number | bigint, right: number | bigint): number {
  if (typeof left === 'number' && typeof right === 'number') {
    return left < right ? -1 : left > right ? 1 : left === right ? 0 : Number.NaN;
  }
  if (typeof left === 'bigint' && typeof right === 'bigint') return left < right ? -1 : left > right ? 1 : 0;
  const big = (typeof left === 'bigint' ? left : right) as bigint;
  const float = (typeof left === 'bigint' ? right : left) as number;
  let order: number;
  if (Number.isNaN(float)) return Number.NaN;
  if (!Number.isFinite(float)) order = float > 0 ? -1 : 1;
  else {
    // big against the float: compare with its floor; a fractional part makes big the smaller when they tie.
    const floor = BigInt(Math.floor(float));
    order = big < floor ? -1 : big > floor ? 1 : Number.isInteger(float) ? 0 : -1;
  }
  return typeof left === 'bigint' ? order : -order;
}

/** jsonpath-rfc9535's `_lt`: strs by code point, numbers with bool as an int (Python's bool is an int). */
function pythonLessThan(left: Scalar, right: Scalar): boolean {
  if (typeof left === 'string' || typeof right === 'string') {
    return typeof left === 'string' && typeof right === 'string' && codePointLess(left, right);
  }
  const a = typeof left === 'boolean' ? Number(left) : left;
  const b = typeof right === 'boolean' ? Number(right) : right;
  return compareExactly(a, b) === -1;
}

/** jsonpath-rfc9535's `_eq` on two scalars: a bool equals only a bool; ints and floats compare exactly. */
function pythonEqual(left: Scalar, right: Scalar): boolean {
  if (typeof left === 'boolean' || typeof right === 'boolean') return left === right;
  if (typeof left === 'string' || typeof right === 'string') return left === right;
  return compareExactly(left, right) === 0;
}

/**
 * Python's `==` inside lists and dicts (jsonpath-rfc9535 compares non-scalars with it): there `True == 1` and
 * `1 == 1.0`, ints and floats compare exactly, dicts ignore key order.
 */
function pythonDeepEqual(left: unknown, right: unknown): boolean {
  if (left === null || right === null) return left === right;
  if (Array.isArray(left) || Array.isArray(right)) {
    if (!Array.isArray(left) || !Array.isArray(right) || left.length !== right.length) return false;
    return left.every((item, index) => pythonDeepEqual(item, right[index]));
  }
  if (typeof left === 'object' || typeof right === 'object') {
    if (typeof left !== 'object' || typeof right !== 'object') return false;
    const keys = Object.keys(left as object);
    if (keys.length !== Object.keys(right as object).length) return false;
    return keys.every(
      (key) =>
        Object.hasOwn(right as object, key) &&
        pythonDeepEqual((left as Record<string, unknown>)[key], (right as Record<string, unknown>)[key]),
    );
  }
  if (typeof left === 'string' || typeof right === 'string') return left === right;
  if (!isScalar(left) || !isScalar(right)) return false;
  const a = typeof left === 'boolean' ? Number(left) : left;
  const b = typeof right === 'boolean' ? Number(right) : right;
  return compareExactly(a as number | bigint, b as number | bigint) === 0;
}

/** A filter operand that is one value (not Nothing, not a node list of zero or several nodes). */
function isValue(value: unknown): boolean {
  return value !== Nothing && value !== undefined && !(value instanceof JSONPathNodeList);
}

// Filter comparisons of two scalars follow jsonpath-rfc9535 (the RFC leaves bool/number and string order to the
// host language); everything else is json-p3's.
const infix = jsonpath.expressions.InfixExpression.prototype as unknown as {
  evaluate: (
    this: { left: unknown; right: unknown; operator: string; logical: boolean },
    context: unknown,
  ) => unknown;
};
const evaluateInfix = infix.evaluate;
const singular = (value: unknown): unknown =>
  value instanceof JSONPathNodeList && value.nodes.length === 1 ? value.nodes[0]?.value : value;
infix.evaluate = function evaluate(context) {
  const operator = this.operator;
  const ordered = operator === '<' || operator === '>' || operator === '<=' || operator === '>=';
  if (!ordered && operator !== '==' && operator !== '!=') return evaluateInfix.call(this, context);
  const left = singular((this.left as { evaluate: (c: unknown) => unknown }).evaluate(context));
  const right = singular((this.right as { evaluate: (c: unknown) => unknown }).evaluate(context));
  if (!isScalar(left) || !isScalar(right)) {
    if (
      ordered ||
      !isValue(left) ||
      !isValue(right) ||
      (typeof left !== 'object' && typeof right !== 'object')
    )
      return evaluateInfix.call(this, context);
    const equal = pythonDeepEqual(left, right);
    return operator === '==' ? equal : !equal;
  }
  const equal = pythonEqual(left, right);
  if (operator === '==') return equal;
  if (operator === '!=') return !equal;
  if (operator === '<') return pythonLessThan(left, right);
  if (operator === '>') return pythonLessThan(right, left);
  if (operator === '<=') return pythonLessThan(left, right) || equal;
  return pythonLessThan(right, left) || equal;
};

/** A compiled full query, or undefined when jsonpath-rfc9535 would refuse it (then the property is a trait only). */
export function compileFullPath(path: string): JSONPathQuery | undefined {
  try {
    return environment.compile(path);
  } catch {
    return undefined;
  }
}

const views = new WeakMap<object, object>();

/**
 * What json-p3 sees of a context value: Maps and objects read by parseJson present their keys in Python's dict
 * order (a Proxy's ownKeys), a PythonFloat is its number, and an int past 2^53 stays a bigint (the filter
 * comparisons above compare it exactly).
 */
function view(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof PythonFloat) return value.value;
  const cached = views.get(value);
  if (cached) return cached;
  let result: object;
  if (Array.isArray(value)) result = value.map(view);
  else {
    const entries = orderedEntries(value);
    const target: Record<string, unknown> = Object.create(null);
    for (const [key, item] of entries) target[key] = item;
    const keys = entries.map(([key]) => key);
    result = new Proxy(target, {
      get: (object, key) => (typeof key === 'string' ? view(object[key]) : undefined),
      ownKeys: () => keys,
      getOwnPropertyDescriptor: (object, key) =>
        typeof key === 'string' && key in object
          ? { value: view(object[key]), enumerable: true, configurable: true, writable: false }
          : undefined,
      has: (object, key) => typeof key === 'string' && key in object,
    });
  }
  views.set(value, result);
  return result;
}

/** The first node's value of a full query over `root` (read in the original, Python-typed data), or undefined. */
export function findFirst(query: JSONPathQuery, root: unknown): unknown {
  let location: readonly PathStep[] | undefined;
  try {
    const nodes = query.query(view(root) as never).nodes;
    location = nodes[0]?.location;
  } catch {
    // jsonpath-rfc9535 treats a failing query as no value (and warns).
    return undefined;
  }
  if (location === undefined) return undefined;
  return resolveSteps(root, location);
}

export { KEY_ORDER };
