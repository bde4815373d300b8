import { z } from 'zod';
import type { FeatureStateValueRow } from '../environments/feature-state-seeds.js';

export type { FeatureStateValueRow };

/** Flagsmith's integer_value is a 32-bit IntegerField. */
const minInteger = -2_147_483_648;
const maxInteger = 2_147_483_647;

export type FlagValue = string | number | boolean | null;

/** The value a row holds, as Flagsmith's `get_feature_state_value` answers it. */
export function rowToValue(row: FeatureStateValueRow | undefined): FlagValue {
  if (!row) return null;
  if (row.type === 'int') return row.integer_value;
  if (row.type === 'bool') return row.boolean_value;
  return row.string_value;
}

const empty = { string_value: null, integer_value: null, boolean_value: null };

/**
 * A JSON primitive typed as Flagsmith's FeatureStateValueField types it from Python's `type(value).__name__`:
 * a bool is `bool`, a whole number that fits the 32-bit column is `int`, anything else is stored as its
 * string (a float becomes "1.5"), and null is an empty string value.
 */
export function valueToRow(value: FlagValue): FeatureStateValueRow {
  if (value === null) return { type: 'unicode', ...empty };
  if (typeof value === 'boolean') return { type: 'bool', ...empty, boolean_value: value };
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= minInteger && value <= maxInteger)
      return { type: 'int', ...empty, integer_value: value };
    return { type: 'unicode', ...empty, string_value: String(value) };
  }
  return { type: 'unicode', ...empty, string_value: value };
}

const integerValue = z
  .number({ error: 'A valid integer is required.' })
  .int('A valid integer is required.')
  .min(minInteger, `Ensure this value is greater than or equal to ${minInteger}.`)
  .max(maxInteger, `Ensure this value is less than or equal to ${maxInteger}.`)
  .nullable()
  .optional();

/** The typed form, `{type, string_value | integer_value | boolean_value}`, that Flagsmith's nested serializers take. */
export const typedValueFields = {
  type: z
    .enum(['unicode', 'int', 'bool'], {
      error: (issue) => `"${String(issue.input)}" is not a valid choice.`,
    })
    .optional(),
  string_value: z
    .string({ error: 'Not a valid string.' })
    .max(20_000, 'Ensure this field has no more than 20000 characters.')
    .nullable()
    .optional(),
  integer_value: integerValue,
  boolean_value: z.boolean({ error: 'Must be a valid boolean.' }).nullable().optional(),
};

export interface TypedValueInput {
  type?: 'unicode' | 'int' | 'bool' | undefined;
  string_value?: string | null | undefined;
  integer_value?: number | null | undefined;
  boolean_value?: boolean | null | undefined;
}

/** A typed value as a row: the named column for its type, the others empty (Flagsmith reads only that one). */
export function typedToRow(input: TypedValueInput): FeatureStateValueRow {
  const type = input.type ?? 'unicode';
  if (type === 'int') return { type, ...empty, integer_value: input.integer_value ?? null };
  if (type === 'bool') return { type, ...empty, boolean_value: input.boolean_value ?? null };
  return { type, ...empty, string_value: input.string_value ?? null };
}

/** `feature_state_value` as a primitive (the dashboard) or in the typed form (the nested serializers). */
export const featureStateValueField = () =>
  z.union(
    [
      z.string().max(20_000, 'Ensure this field has no more than 20000 characters.'),
      z.number(),
      z.boolean(),
      z.null(),
      z.object(typedValueFields),
    ],
    { error: 'Not a valid value.' },
  );

export type FeatureStateValueInput = z.output<ReturnType<typeof featureStateValueField>>;

export function inputToRow(input: FeatureStateValueInput): FeatureStateValueRow {
  return input !== null && typeof input === 'object' ? typedToRow(input) : valueToRow(input);
}

/** A state's `multivariate_feature_state_values` as the dashboard sends them (the 100% total is checked later). */
export function stateAllocationsField() {
  return z
    .array(
      z.object({
        multivariate_feature_option: z
          .number({ error: 'A valid integer is required.' })
          .int('A valid integer is required.'),
        percentage_allocation: z
          .number({ error: 'A valid number is required.' })
          .min(0, 'Ensure this value is greater than or equal to 0.')
          .max(100, 'Ensure this value is less than or equal to 100.'),
      }),
      { error: 'Expected a list of items.' },
    )
    .max(1000)
    .optional();
}
