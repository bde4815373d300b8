import { z } from 'zod';
import { fields } from '../http/validation.js';
import { organisationRoles } from './organisation-models.js';

/** DRF's ChoiceField wording. */
export function choice<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, {
    error: (issue) =>
      issue.input === undefined || issue.input === null
        ? 'This field is required.'
        : `"${String(issue.input)}" is not a valid choice.`,
  });
}

export const roleField = () => choice(organisationRoles);

/** An optional email that may be null or blank (stored as null), as Flagsmith's nullable EmailFields. */
export const optionalEmail = () =>
  z.preprocess((value) => (value === '' ? null : value), fields.email().nullable()).optional();

/** DRF's IntegerField on a primary key: a whole number within PostgreSQL's integer. */
export const idField = () =>
  z
    .number({
      error: (issue) =>
        issue.input === undefined ? 'This field is required.' : 'A valid integer is required.',
    })
    .int('A valid integer is required.')
    .min(1, 'Ensure this value is greater than or equal to 1.')
    .max(2_147_483_647, 'Ensure this value is less than or equal to 2147483647.');

/** A list of ids, bounded so that one request cannot ask for an unbounded query. */
export const idList = (max = 1000) =>
  z
    .array(idField(), { error: 'Expected a list of items.' })
    .max(max, `Ensure this field has no more than ${max} elements.`);

/** An ISO 8601 date-time, or null; DRF's DateTimeField wording. */
export const optionalDateTime = () =>
  z
    .union([z.null(), z.string()], { error: 'Datetime has wrong format.' })
    .transform((value, context) => {
      if (value === null || value === '') return null;
      const date = new Date(value);
      if (Number.isNaN(date.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(value)) {
        context.addIssue({
          code: 'custom',
          message:
            'Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].',
        });
        return z.NEVER;
      }
      return date;
    })
    .optional();

// A uuid as Django's UUIDField reads one (hyphens optional); anything else finds nothing.
const uuidPattern = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** The canonical form of a uuid from a path or query, or undefined when it is not one. */
export function canonicalUuid(raw: unknown): string | undefined {
  if (typeof raw !== 'string' || !uuidPattern.test(raw)) return undefined;
  const hex = raw.replace(/-/g, '').toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
