import { z } from 'zod';
import { type FieldErrors, ValidationError } from './http-error.js';

/**
 * Validates a request body with zod and, on failure, throws DRF's `{"field": ["message"]}` shape. Errors
 * on the body as a whole (wrong type, refinements without a path) go under `non_field_errors`.
 */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const fields: FieldErrors = {};
  for (const issue of result.error.issues) {
    const key = issue.path.length > 0 ? issue.path.map(String).join('.') : 'non_field_errors';
    fields[key] = [...(fields[key] ?? []), issue.message];
  }
  throw new ValidationError(fields);
}

// DRF's wording for the commonest field errors.
export const messages = {
  required: 'This field is required.',
  blank: 'This field may not be blank.',
  invalidEmail: 'Enter a valid email address.',
  notAString: 'Not a valid string.',
  maxLength: (max: number) => `Ensure this field has no more than ${max} characters.`,
};

/**
 * zod schemas that answer with DRF's messages, so a client sees `{"email": ["This field is required."]}`
 * exactly as Flagsmith would send it.
 */
export const fields = {
  string(options: { max?: number; allowBlank?: boolean } = {}) {
    let schema = z.string({
      error: (issue) =>
        issue.input === undefined || issue.input === null ? messages.required : messages.notAString,
    });
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
