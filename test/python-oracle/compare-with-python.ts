import { compileEnvironment } from '../../core/evaluation/compile-environment.js';
import type { DocumentIdentity, EnvironmentDocument } from '../../core/evaluation/environment-document.js';
import { evaluate } from '../../core/evaluation/evaluate.js';
import type { EvaluationContext, EvaluationResult } from '../../core/evaluation/evaluation-context.js';
import { getEvaluationResult } from '../../core/evaluation/get-evaluation-result.js';
import { hidesDisabledFlags } from '../../core/evaluation/map-environment-document.js';
import { stringifyJson } from '../../core/evaluation/python-json.js';
import { orderedEntries, toScalar } from '../../core/evaluation/python-value.js';

/** What Flagsmith's Python engine answered for one context: a result, or the name of the exception it raised. */
export type PythonAnswer = { result: unknown } | { error: string };

/** JSON with object keys sorted (field order is not part of the result) but Python's types kept (`2` ≠ `2.0`). */
function canonical(value: unknown): string {
  if (toScalar(value) !== undefined) return stringifyJson(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = orderedEntries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(',')}}`;
  }
  return 'null';
}

/**
 * Vexil's answer for the context against the Python engine's: undefined when they agree, else a description.
 * Where Python raised, Vexil must still answer (never throw); what it answers is documented, not compared.
 */
export function disagreement(context: unknown, answer: PythonAnswer): string | undefined {
  let ours: EvaluationResult;
  try {
    ours = getEvaluationResult(context as EvaluationContext);
  } catch (error) {
    return `Vexil threw ${String(error)}`;
  }
  if ('error' in answer) return undefined;
  return compareResults(ours, answer.result as PythonResult);
}

/**
 * The same for a compiled document and one identity, against Python's answer on the mapped context; disabled flags
 * are left out of Python's flags where the document hides them, as Flagsmith's SDKs do after evaluating.
 */
export function documentDisagreement(
  document: EnvironmentDocument,
  identity: DocumentIdentity,
  answer: PythonAnswer,
): string | undefined {
  let ours: EvaluationResult;
  try {
    ours = evaluate(compileEnvironment(document), identity);
  } catch (error) {
    return `Vexil threw ${String(error)}`;
  }
  if ('error' in answer) return undefined;
  const python = answer.result as PythonResult;
  if (!hidesDisabledFlags(document)) return compareResults(ours, python);
  const shown = orderedEntries(python.flags).filter(([, flag]) => (flag as { enabled: boolean }).enabled);
  return compareResults(ours, { flags: Object.fromEntries(shown), segments: python.segments });
}

interface PythonResult {
  flags: object;
  segments: unknown[];
}

function compareResults(ours: EvaluationResult, python: PythonResult): string | undefined {
  const theirFlags = orderedEntries(python.flags);
  const ourNames = Object.keys(ours.flags);
  const theirNames = theirFlags.map(([name]) => name);
  if ([...ourNames].sort().join('\n') !== [...theirNames].sort().join('\n'))
    return `flags ${JSON.stringify(ourNames)} ≠ Python ${JSON.stringify(theirNames)}`;
  for (const [name, flag] of theirFlags) {
    const mine = canonical(ours.flags[name]);
    const theirs = canonical(flag);
    if (mine !== theirs) return `flag ${name}: ${mine} ≠ Python ${theirs}`;
  }
  const mine = canonical(ours.segments);
  const theirs = canonical(python.segments);
  if (mine !== theirs) return `segments ${mine} ≠ Python ${theirs}`;
  return undefined;
}
