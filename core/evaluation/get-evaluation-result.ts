import { compileEnvironment } from './compile-environment.js';
import { evaluate } from './evaluate.js';
import type { EvaluationContext, EvaluationResult } from './evaluation-context.js';

/** One-shot evaluation of a context, as Flagsmith's `get_evaluation_result`. Compile once to evaluate many. */
export function getEvaluationResult(context: EvaluationContext): EvaluationResult {
  return evaluate(compileEnvironment(context), context.identity ?? null);
}
