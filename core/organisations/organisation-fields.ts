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
const wrongDateTimeFormat =
  'Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].';

/**
 * Whether the calendar and clock fields written in an ISO 8601 string exist, as Python's datetime insists:
 * JavaScript's Date rolls 2026-02-30 over to March and takes year 0 and 24:00, which Python refuses (and
 * PostgreSQL refuses year 0, which would otherwise surface as a 500).
 */
function writtenFieldsExist(value: string): boolean {
  const date = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  if (!date) return false;
  const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  if (year < 1 || days === undefined || day < 1 || day > days) return false;
  const time = /^.{10}[T ](\d{2}):(\d{2})(?::(\d{2}))?/.exec(value);
  if (!time) return true;
  return Number(time[1]) <= 23 && Number(time[2]) <= 59 && Number(time[3] ?? 0) <= 59;
}

export const optionalDateTime = () =>
  z
    .union([z.null(), z.string()], { error: 'Datetime has wrong format.' })
    .transform((value, context) => {
      if (value === null || value === '') return null;
      const date = new Date(value);
      // The instant itself must stay within years 1 to 9999 too (0001-01-01T00:00+05:00 is in year 0 in UTC).
      const year = date.getUTCFullYear();
      if (Number.isNaN(date.getTime()) || !writtenFieldsExist(value) || year < 1 || year > 9999) {
        context.addIssue({ code: 'custom', message: wrongDateTimeFormat });
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
