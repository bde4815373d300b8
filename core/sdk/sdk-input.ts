import { type DocumentValue, PythonFloat, pythonStr } from '../evaluation/index.js';
import { HttpError } from '../http/http-error.js';
import { traitStringMaxLength } from '../identities/trait-value.js';

// DRF's field validation as the SDK serializers apply it to bodies read with the Python-exact JSON reader
// (python-json.ts): the same acceptances, the same messages, so that clients matching on them keep working.

export type FieldErrorList = string[];
/** One serializer's errors: field → messages, or (for a nested list) one error object per item. */
export interface SerializerErrors {
  [field: string]: FieldErrorList | SerializerErrors | SerializerErrors[];
}

export const requiredMessage = 'This field is required.';

/** Python's `type(value).__name__` of a parsed JSON value, as DRF names it in "Expected a dictionary" errors. */
export function pythonTypeName(value: unknown): string {
  if (value === null) return 'NoneType';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'bigint') return 'int';
  if (value instanceof PythonFloat) return 'float';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  return 'dict';
}

export function isDict(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof PythonFloat)
  );
}

/** DRF's Serializer.to_internal_value on a non-dict. */
export function notADictionary(value: unknown): SerializerErrors {
  return { non_field_errors: [`Invalid data. Expected a dictionary, but got ${pythonTypeName(value)}.`] };
}

export function badRequest(errors: SerializerErrors | SerializerErrors[]): HttpError {
  return new HttpError(400, errors as unknown as Record<string, unknown>);
}

type Outcome<T> = { ok: true; value: T } | { ok: false; errors: FieldErrorList };
const fail = (message: string): { ok: false; errors: FieldErrorList } => ({ ok: false, errors: [message] });

/**
 * serializers.CharField: str, int and float accepted (str()-ed as Python prints them), whitespace trimmed,
 * blank refused, bool and containers refused.
 */
export function charField(value: unknown, options: { maxLength?: number } = {}): Outcome<string> {
  if (value === undefined) return fail(requiredMessage);
  if (value === null) return fail('This field may not be null.');
  const isNumber = typeof value === 'number' || typeof value === 'bigint' || value instanceof PythonFloat;
  if (typeof value !== 'string' && !isNumber) return fail('Not a valid string.');
  const text = (typeof value === 'string' ? value : pythonStr(value)).trim();
  if (text === '') return fail('This field may not be blank.');
  if (options.maxLength !== undefined && [...text].length > options.maxLength)
    return fail(`Ensure this field has no more than ${options.maxLength} characters.`);
  return { ok: true, value: text };
}

const trueValues = new Set([
  't',
  'T',
  'y',
  'Y',
  'yes',
  'Yes',
  'YES',
  'true',
  'True',
  'TRUE',
  'on',
  'On',
  'ON',
  '1',
]);
const falseValues = new Set([
  'f',
  'F',
  'n',
  'N',
  'no',
  'No',
  'NO',
  'false',
  'False',
  'FALSE',
  'off',
  'Off',
  'OFF',
  '0',
]);

/** serializers.BooleanField (null and absence are the default, false): the strings and numbers DRF accepts. */
export function booleanField(value: unknown): Outcome<boolean> {
  if (value === undefined || value === null) return { ok: true, value: false };
  if (typeof value === 'boolean') return { ok: true, value };
  if (value === 1 || value === 0) return { ok: true, value: value === 1 };
  if (value instanceof PythonFloat && (value.value === 1 || value.value === 0))
    return { ok: true, value: value.value === 1 };
  if (typeof value === 'string') {
    if (trueValues.has(value)) return { ok: true, value: true };
    if (falseValues.has(value)) return { ok: true, value: false };
  }
  return fail('Must be a valid boolean.');
}

/** serializers.IntegerField: an int, an integral float, or a string of one (DRF strips a `.0` tail). */
export function integerField(value: unknown): Outcome<number> {
  if (value === undefined) return fail(requiredMessage);
  if (value === null) return fail('This field may not be null.');
  const invalid = fail('A valid integer is required.');
  if (typeof value === 'boolean') return invalid;
  let text: string;
  if (typeof value === 'number' || typeof value === 'bigint' || value instanceof PythonFloat)
    text = pythonStr(value);
  else if (typeof value === 'string') text = value.trim();
  else return invalid;
  const match = /^([-+]?[0-9]+)(?:\.0*)?$/.exec(text);
  if (!match) return invalid;
  const parsed = Number(match[1]);
  return Number.isSafeInteger(parsed) ? { ok: true, value: parsed } : invalid;
}

/**
 * TraitValueField: int, float, bool and str kept; anything else (a list, a dict) becomes its Python str(); a
 * string over TRAIT_STRING_VALUE_MAX_LENGTH is refused. Null is kept when the field allows it (it deletes).
 */
export function traitValueField(value: unknown, allowNull: boolean): Outcome<DocumentValue> {
  if (value === undefined) return fail(requiredMessage);
  if (value === null) return allowNull ? { ok: true, value: null } : fail('This field may not be null.');
  let typed: DocumentValue;
  if (
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    typeof value === 'number' ||
    typeof value === 'bigint' ||
    value instanceof PythonFloat
  )
    typed = value;
  else typed = pythonStr(value);
  if (typeof typed === 'string' && [...typed].length > traitStringMaxLength)
    return fail(`Value string is too long. Must be less than ${traitStringMaxLength} character`);
  return { ok: true, value: typed };
}
