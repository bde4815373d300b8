import { z } from 'zod';
import { PythonFloat, stringifyJson } from '../evaluation/index.js';
import type { FeatureStateValueRow } from '../features/feature-value.js';

/** Flagsmith's MAX_FEATURE_IMPORT_SIZE: the largest file an import takes. */
export const maxImportBytes = 1_000_000;

const valueType = z.enum(['unicode', 'int', 'bool'], { error: 'Expected "unicode", "int" or "bool".' });
const value = z.union([z.string(), z.number().int(), z.boolean(), z.null()], {
  error: 'Expected a string, an integer, a boolean or null.',
});
const allocation = z.number({ error: 'A valid number is required.' }).min(0).max(100);

/** One multivariate option of an exported feature (FeatureExportMultivariateData). */
const exportedOption = z.object({
  percentage_allocation: allocation,
  default_percentage_allocation: allocation,
  value,
  type: valueType,
});

/** One feature of an export file (Flagsmith's FeatureExportData). */
const exportedFeature = z.object({
  name: z.string().min(1).max(2000),
  default_enabled: z.boolean(),
  is_server_key_only: z.boolean(),
  initial_value: z.string().max(20_000).nullable(),
  value,
  type: valueType,
  enabled: z.boolean(),
  multivariate: z.array(exportedOption).max(100),
});

export const exportFile = z.array(exportedFeature).max(10_000);
export type ExportedFeature = z.output<typeof exportedFeature>;
export type ExportedOption = z.output<typeof exportedOption>;

/** A value of the file as the columns of its type hold it; a value that does not fit the type is an error. */
export function exportedValueToRow(
  type: 'unicode' | 'int' | 'bool',
  raw: unknown,
): FeatureStateValueRow | undefined {
  const row: FeatureStateValueRow = { type, string_value: null, integer_value: null, boolean_value: null };
  if (raw === null) return row;
  if (type === 'unicode' && typeof raw === 'string') return { ...row, string_value: raw };
  if (type === 'int' && typeof raw === 'number' && Math.abs(raw) <= 2_147_483_647)
    return { ...row, integer_value: raw };
  if (type === 'bool' && typeof raw === 'boolean') return { ...row, boolean_value: raw };
  return undefined;
}

/**
 * The export file as Flagsmith serves it for download (DRF's compact JSON over the task's payload):
 * allocations are Python floats, so `50` prints as `50.0` as Flagsmith's FloatField does.
 */
export function serialiseExport(features: readonly ExportedFeature[]): string {
  return stringifyJson(
    features.map((feature) => ({
      name: feature.name,
      default_enabled: feature.default_enabled,
      is_server_key_only: feature.is_server_key_only,
      initial_value: feature.initial_value,
      value: feature.value,
      type: feature.type,
      enabled: feature.enabled,
      multivariate: feature.multivariate.map((option) => ({
        percentage_allocation: new PythonFloat(option.percentage_allocation),
        default_percentage_allocation: new PythonFloat(option.default_percentage_allocation),
        value: option.value,
        type: option.type,
      })),
    })),
  );
}
