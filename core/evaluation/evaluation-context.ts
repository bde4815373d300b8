// Flagsmith's engine input and output (sdk/evaluation-context.json and sdk/evaluation-result.json). Optional fields
// accept `undefined` as well, so callers may pass parsed JSON and hand-built objects alike.

export type ContextValue = string | number | boolean | null;
export type Metadata = Record<string, unknown>;

export interface EnvironmentContext {
  key: string;
  name: string;
}

export interface IdentityContext {
  identifier: string;
  key?: string | undefined;
  traits?: Record<string, ContextValue> | undefined;
}

export interface FeatureValue {
  key?: string | undefined;
  value: ContextValue;
  weight: number;
  priority: number;
}

export interface FeatureContext {
  key: string;
  name: string;
  enabled: boolean;
  value: ContextValue;
  variants?: FeatureValue[] | undefined;
  priority?: number | undefined;
  metadata?: Metadata | undefined;
}

export interface SegmentCondition {
  property: string | null;
  operator: string;
  value: string | string[] | null;
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
  segments?: Record<string, SegmentContext> | undefined;
  features?: Record<string, FeatureContext> | undefined;
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
