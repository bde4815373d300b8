// Flagsmith's engine input and output (sdk/evaluation-context.json and sdk/evaluation-result.json). Optional fields
// accept `undefined` as well, so callers may pass parsed JSON and hand-built objects alike. Numbers follow
// python-value.ts: an integral number is an int, a PythonFloat an integral float, a bigint an int past 2^53 (read
// JSON with `parseJson` to keep them). Dicts keyed by id may be Maps, whose order (unlike an object's for
// integer-like keys) is Python's dict order.
import type { PythonFloat } from './python-value.js';

export type ContextValue = string | number | boolean | null | bigint | PythonFloat;
type Dict<T> = Record<string, T> | ReadonlyMap<string, T>;
export type Metadata = Record<string, unknown>;

export interface EnvironmentContext {
  key: string;
  name: string;
}

export interface IdentityContext {
  identifier: string;
  key?: string | undefined;
  traits?: Dict<ContextValue> | undefined;
}

export interface FeatureValue {
  key?: string | undefined;
  value: ContextValue;
  weight: number | bigint | PythonFloat;
  priority: number | bigint | PythonFloat;
}

export interface FeatureContext {
  key: string;
  name: string;
  enabled: boolean;
  value: ContextValue;
  variants?: FeatureValue[] | undefined;
  priority?: number | bigint | PythonFloat | undefined;
  metadata?: Metadata | undefined;
}

export interface SegmentCondition {
  property: string | null;
  operator: string;
  value: string | readonly unknown[] | null;
}

export interface SegmentRule {
  type: string;
  conditions?: SegmentCondition[] | undefined;
  rules?: SegmentRule[] | undefined;
}

export interface SegmentContext {
  key: string;
  name: string;
  rules: SegmentRule[];
  overrides?: FeatureContext[] | undefined;
  metadata?: Metadata | undefined;
}

export interface EvaluationContext {
  environment: EnvironmentContext;
  identity?: IdentityContext | null | undefined;
  segments?: Dict<SegmentContext> | undefined;
  features?: Dict<FeatureContext> | undefined;
}

export interface FlagResult {
  name: string;
  enabled: boolean;
  value: ContextValue;
  reason: string;
  /** The bucketed variant's key, "control" for the control bucket, null when no split applied. */
  variant: string | null;
  metadata?: Metadata;
}

export interface SegmentResult {
  name: string;
  metadata?: Metadata;
}

export interface EvaluationResult {
  flags: Record<string, FlagResult>;
  segments: SegmentResult[];
}
