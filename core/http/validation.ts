import { z } from 'zod';
import { type FieldErrors, ValidationError } from './http-error.js';

const nonFieldErrors = 'non_field_errors';

function fieldKey(path: readonly PropertyKey[]): string {
  return path.length > 0 ? path.map(String).join('.') : nonFieldErrors;
}

/**
 * Paths of every string in the body that holds U+0000, including keys (reported under the object that
 * holds them). PostgreSQL cannot store NUL in `text` or `jsonb`, so such a value would otherwise reach the
 * database and come back as a 500; DRF's CharField refuses it up front, and so do we, for fields the
 * schema ignores too.
 */
function nullCharacterPaths(value: unknown, path: PropertyKey[] = [], found: string[] = []): string[] {
  if (typeof value === 'string') {
    if (value.includes('\0')) found.push(fieldKey(path));
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => void nullCharacterPaths(item, [...path, index], found));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key.includes('\0')) found.push(fieldKey(path));
      else nullCharacterPaths(item, [...path, key], found);
    }
  }
  return found;
}

/**
 * Validates a request body with zod and, on failure, throws DRF's `{"field": ["message"]}` shape. Errors
 * on the body as a whole (wrong type, refinements without a path) go under `non_field_errors`. A string
 * holding a NUL character anywhere in the body is refused with DRF's message, naming where it was.
 */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const nulls = new Set(nullCharacterPaths(body));
  const result = schema.safeParse(body ?? {});
  if (result.success && nulls.size === 0) return result.data;
  const fields: FieldErrors = {};
  for (const issue of result.error?.issues ?? []) {
    const key = fieldKey(issue.path);
    if (!nulls.has(key)) fields[key] = [...(fields[key] ?? []), issue.message];
  }
  for (const key of nulls) fields[key] = [messages.nullCharacters];
  throw new ValidationError(fields);
}

// DRF's wording for the commonest field errors.
export const messages = {
  required: 'This field is required.',
  blank: 'This field may not be blank.',
  invalidEmail: 'Enter a valid email address.',
  notAString: 'Not a valid string.',
  nullCharacters: 'Null characters are not allowed.',
  maxLength: (max: number) => `Ensure this field has no more than ${max} characters.`,
};

/**
 * zod schemas that answer with DRF's messages, so a client sees `{"email": ["This field is required."]}`
 * exactly as Flagsmith would send it.
 */
export const fields = {
  string(options: { max?: number; allowBlank?: boolean } = {}) {
    let schema = z
      .string({
        error: (issue) =>
          issue.input === undefined || issue.input === null ? messages.required : messages.notAString,
      })
      .refine((value) => !value.includes('\0'), { error: messages.nullCharacters, abort: true });
    if (!options.allowBlank) schema = schema.trim().min(1, messages.blank);
    if (options.max !== undefined) schema = schema.max(options.max, messages.maxLength(options.max));
    return schema;
  },
  /** Passwords are never trimmed (a space is a character like any other); 4096 is Django's upper bound. */
  password() {
    return fields.string({ allowBlank: true }).min(1, messages.blank).max(4096, messages.maxLength(4096));
  },
  email() {
    return fields.string({ max: 254 }).pipe(z.email(messages.invalidEmail));
  },
  boolean() {
    return z.boolean({ error: 'Must be a valid boolean.' });
  },
};

/** A query string's single values: a repeated parameter counts once, its last value, as Django's QueryDict.get. */
export function singleQueryValues(query: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(query).map(([key, value]) => [key, Array.isArray(value) ? value.at(-1) : value]),
  );
}
