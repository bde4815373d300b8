export {
  type CompiledEnvironment,
  type CompileOptions,
  compileEnvironment,
  IDENTITY_OVERRIDE_REASON,
} from './compile-environment.js';
export type * from './environment-document.js';
export { type EvaluationIdentity, type EvaluationList, evaluate, evaluateList } from './evaluate.js';
export type * from './evaluation-context.js';
export { getEvaluationResult } from './get-evaluation-result.js';
export { hashedPercentage } from './hashed-percentage.js';
export {
  coerceTraitValue,
  IDENTITY_OVERRIDE_SEGMENT_NAME,
  mapEnvironmentDocumentToContext,
} from './map-environment-document.js';
export { JsonSyntaxError, parseJson, stringifyJson } from './python-json.js';
export { PythonFloat, type PythonScalar, pythonStr, toContextValue } from './python-value.js';
