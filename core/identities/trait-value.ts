import { type DocumentValue, PythonFloat } from '../evaluation/index.js';

/** Flagsmith's trait value types (`core.constants`): the Python type names of the values it accepts. */
export const traitValueTypes = ['int', 'unicode', 'bool', 'float'] as const;
export type TraitValueType = (typeof traitValueTypes)[number];

/** Flagsmith's TRAIT_STRING_VALUE_MAX_LENGTH. */
export const traitStringMaxLength = 2000;

/** The typed columns of `traits`, as Flagsmith's Trait model holds them. */
export interface TraitColumns {
  value_type: TraitValueType | null;
  integer_value: number | null;
  string_value: string | null;
  boolean_value: boolean | null;
  float_value: number | null;
}

/** `traits`. */
export interface TraitRow extends TraitColumns {
  id: number;
  identity_id: number;
  trait_key: string;
  created_date: Date;
}

const minInteger = -2_147_483_648;
const maxInteger = 2_147_483_647;
const noColumns = { integer_value: null, string_value: null, boolean_value: null, float_value: null };

/**
 * Trait.get_trait_value: the column its `value_type` names, as the engine's values model Python's: an int is an
 * integral number, a float a non-integral number or a PythonFloat (so `2.0` stays a float), a str a string.
 */
export function traitValue(columns: TraitColumns): DocumentValue {
  switch (columns.value_type) {
    case 'int':
      return columns.integer_value;
    case 'bool':
      return columns.boolean_value;
    case 'float':
      if (columns.float_value === null) return null;
      return Number.isInteger(columns.float_value)
        ? new PythonFloat(columns.float_value)
        : columns.float_value;
    case 'unicode':
      return columns.string_value;
    default:
      return null;
  }
}

/**
 * Trait.generate_trait_value_data over TraitValueField: the value's Python type picks the column (an int past the
 * 32-bit column, or anything else, is kept as its string, as Flagsmith's fallback to STRING does).
 */
export function traitColumns(value: Exclude<DocumentValue, null>): TraitColumns {
  if (typeof value === 'boolean') return { value_type: 'bool', ...noColumns, boolean_value: value };
  if (value instanceof PythonFloat) return { value_type: 'float', ...noColumns, float_value: value.value };
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return { value_type: 'float', ...noColumns, float_value: value };
    if (value >= minInteger && value <= maxInteger)
      return { value_type: 'int', ...noColumns, integer_value: value };
  }
  return { value_type: 'unicode', ...noColumns, string_value: String(value) };
}

/** Two stored values are the same trait value (the same type and the same value in its column). */
export function sameTraitValue(a: TraitColumns, b: TraitColumns): boolean {
  return (
    a.value_type === b.value_type &&
    a.integer_value === b.integer_value &&
    a.string_value === b.string_value &&
    a.boolean_value === b.boolean_value &&
    (a.float_value === b.float_value || (Number.isNaN(a.float_value) && Number.isNaN(b.float_value)))
  );
}
