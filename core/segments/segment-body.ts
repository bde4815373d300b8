import { z } from 'zod';
import { ValidationError } from '../errors/domain-error.js';
import { COMPARISON_OPERATORS, CONDITION_OPERATORS } from '../evaluation/compile-condition.js';
import { parseInValues } from '../evaluation/parse-in-values.js';
import { pythonFloatOfString } from '../evaluation/python-casts.js';
import { compilePythonRegex } from '../evaluation/python-regex.js';
import { parseSemver } from '../evaluation/python-semver.js';
import { pythonStr } from '../evaluation/python-value.js';
import { fields, messages, parseBody } from '../http/validation.js';

/** Flagsmith's SEGMENT_RULES_CONDITIONS_LIMIT: conditions per segment, across all its rules. */
export const maxConditionsPerSegment = 100;
export const ruleTypes = ['ALL', 'ANY', 'NONE'] as const;
export type RuleType = (typeof ruleTypes)[number];

const semverSuffix = ':semver';

export interface ConditionInput {
  operator: string;
  property: string | null;
  value: string | null;
  description: string | null;
}

export interface RuleInput {
  type: RuleType;
  conditions: ConditionInput[];
  rules: RuleInput[];
}

const choice = (allowed: readonly string[]) =>
  z.string({ error: messages.required }).refine((value) => allowed.includes(value), {
    error: (issue) => `"${String(issue.input)}" is not a valid choice.`,
    abort: true,
  });

/**
 * DRF's ConditionSerializer stores `str(value)`; a number or a boolean becomes its Python str. An IN list
 * may also be sent as a JSON array, kept as the JSON text the engine reads back as a list. Other shapes are
 * refused rather than stored as a Python repr no operator can use.
 */
const conditionValue = z
  .union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.union([z.string(), z.number()]))], {
    error: messages.notAString,
  })
  .optional()
  .transform((value) => {
    if (value === undefined || value === null) return null;
    if (Array.isArray(value)) return JSON.stringify(value);
    return typeof value === 'string' ? value : pythonStr(value);
  });

function isNumberText(text: string): number | undefined {
  const number = pythonFloatOfString(text);
  return number !== undefined && Number.isFinite(number) ? number : undefined;
}

/**
 * What the engine (core/evaluation/compile-condition.ts) would quietly treat as "never matches" is refused
 * here instead, so that a typo in a segment is a 400 and not a segment nobody is ever in.
 */
function valueProblem(operator: string, value: string | null, arrayGiven: boolean): string | undefined {
  if (arrayGiven && operator !== 'IN') return messages.notAString;
  switch (operator) {
    case 'REGEX':
      if (value === null) return messages.required;
      return compilePythonRegex(value) ? undefined : 'Enter a valid regular expression.';
    case 'MODULO': {
      const parts = value?.split('|') ?? [];
      const [divisor, remainder] = parts.map(isNumberText);
      if (parts.length !== 2 || divisor === undefined || remainder === undefined)
        return 'Enter a value of the form divisor|remainder, both numbers.';
      return divisor === 0 ? 'The divisor may not be 0.' : undefined;
    }
    case 'PERCENTAGE_SPLIT': {
      const percentage = value === null ? undefined : isNumberText(value);
      return percentage === undefined || percentage < 0 || percentage > 100
        ? 'Enter a number between 0 and 100.'
        : undefined;
    }
    case 'IN':
      return value === null || parseInValues(value) === undefined ? messages.required : undefined;
    default:
      break;
  }
  // The typed comparisons (and CONTAINS) compare a ":semver" value as a version, with python-semver.
  if (
    (COMPARISON_OPERATORS.includes(operator) || operator === 'CONTAINS') &&
    value?.endsWith(semverSuffix) &&
    parseSemver(value.slice(0, -semverSuffix.length)) === undefined
  )
    return 'Enter a valid semantic version (MAJOR.MINOR.PATCH[-pre][+build]) before ":semver".';
  return undefined;
}

const condition = z
  .object({
    operator: choice(CONDITION_OPERATORS),
    property: z
      .union([fields.string({ max: 1000, allowBlank: true }), z.null()])
      .optional()
      .transform((value) => value ?? null),
    value: z.unknown(),
    description: z
      .union([fields.string({ allowBlank: true }), z.null()])
      .optional()
      .transform((value) => value ?? null),
  })
  .transform((input, ctx): ConditionInput => {
    const parsed = conditionValue.safeParse(input.value);
    const value = parsed.success ? parsed.data : null;
    if (!parsed.success) ctx.addIssue({ code: 'custom', path: ['value'], message: messages.notAString });
    // ConditionSerializer.validate: only a percentage split may leave the property blank.
    if (input.operator !== 'PERCENTAGE_SPLIT' && !input.property)
      ctx.addIssue({ code: 'custom', path: ['property'], message: messages.blank });
    const problem = parsed.success && valueProblem(input.operator, value, Array.isArray(input.value));
    if (problem) ctx.addIssue({ code: 'custom', path: ['value'], message: problem });
    return { ...input, value };
  });

const conditions = z.array(condition, { error: 'Expected a list of items.' }).optional().default([]);

// Flagsmith's SegmentRuleSerializer nests one level: a rule's sub-rules have conditions but no rules.
// Flagsmith drops deeper rules silently; we refuse them, so that nothing sent is lost.
const nestedRule = z.object({
  type: choice(ruleTypes),
  conditions,
  rules: z
    .array(z.unknown())
    .max(0, 'Rules may only be nested one level deep.')
    .optional()
    .transform(() => []),
});

const rule = z.object({
  type: choice(ruleTypes),
  conditions,
  rules: z.array(nestedRule, { error: 'Expected a list of items.' }).optional().default([]),
});

const rules = z
  .array(rule, { error: 'Expected a list of items.' })
  .min(1, 'Segment cannot be created without any rules.');

const segmentFields = {
  name: fields.string({ max: 2000 }),
  description: z.union([fields.string({ allowBlank: true }), z.null()]).optional(),
  feature: z
    .union([z.number().int().positive(), z.null()], { error: 'Incorrect type. Expected pk value.' })
    .optional(),
  rules,
};

const fullBody = z.object(segmentFields);
const partialBody = z.object(segmentFields).partial();

export type SegmentBody = {
  name?: string;
  description?: string | null;
  feature?: number | null;
  rules?: RuleInput[];
};

function countConditions(list: readonly RuleInput[]): number {
  return list.reduce((sum, item) => sum + item.conditions.length + countConditions(item.rules), 0);
}

/**
 * Flagsmith's dashboard marks rules and conditions to remove with `delete: true`; its serializer takes
 * them out before validating, so the indexes in error paths count only what is kept.
 */
function withoutDeleted(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  return value
    .filter(
      (item) =>
        !(item !== null && typeof item === 'object' && (item as { delete?: unknown }).delete === true),
    )
    .map((item) => {
      if (item === null || typeof item !== 'object' || Array.isArray(item)) return item;
      const record = item as Record<string, unknown>;
      return {
        ...record,
        ...('rules' in record ? { rules: withoutDeleted(record.rules) } : {}),
        ...('conditions' in record ? { conditions: withoutDeleted(record.conditions) } : {}),
      };
    });
}

/** A create or PUT body (name and rules required), or a PATCH body (everything optional). */
export function parseSegmentBody(body: unknown, partial: boolean): SegmentBody {
  const cleaned =
    body !== null && typeof body === 'object' && !Array.isArray(body) && 'rules' in body
      ? { ...body, rules: withoutDeleted((body as { rules: unknown }).rules) }
      : body;
  const parsed = parseBody(partial ? partialBody : fullBody, cleaned) as SegmentBody;
  const count = countConditions(parsed.rules ?? []);
  // Flagsmith reports the limit under `segment`, a key that is not a field of the body.
  if (count > maxConditionsPerSegment)
    throw ValidationError.field(
      'segment',
      `The segment has ${count} conditions, which exceeds the maximum condition count of ${maxConditionsPerSegment}.`,
    );
  return parsed;
}
