import type { Knex } from 'knex';
import type { DataScope, UnitOfWork } from '../data/unit-of-work.js';
import type { DocumentRule } from '../evaluation/environment-document.js';
import type { RuleInput } from './segment-body.js';
import {
  SegmentModel,
  type SegmentWithRules,
  type StoredCondition,
  type StoredRule,
} from './segment-model.js';

export interface SegmentFields {
  name: string;
  description?: string | null;
  feature?: number | null;
}

export interface SegmentListQuery {
  /** Flagsmith's `?q=`: a case-insensitive substring of the name. */
  readonly search?: string;
  readonly includeFeatureSpecific: boolean;
  /** Only these segments (Flagsmith's `?identity=`: the segments an identity belongs to). */
  readonly segmentIds?: readonly number[];
  readonly offset: number;
  readonly limit: number;
}

/**
 * A live segment of a project in the shape the evaluation engine reads (`DocumentSegment` plus the feature
 * a feature-specific segment belongs to): the environment-document builder adds each one's `feature_states`.
 */
export interface EngineSegment {
  id: number;
  name: string;
  /** Set for a feature-specific segment: the document keeps it only where that feature overrides it. */
  feature: number | null;
  rules: DocumentRule[];
}

interface RuleRow {
  id: number;
  segment_id: number | null;
  rule_id: number | null;
  type: StoredRule['type'];
}

interface ConditionRow extends StoredCondition {
  rule_id: number;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

/** Segments, their rules and conditions. Every read names the project; the routes resolved it from the policy. */
export class SegmentStore {
  /** Live segments: not deleted, and the current version of themselves (Flagsmith's `id == version_of_id`). */
  #live(knex: Knex, projectId: number) {
    return SegmentModel.query(knex)
      .where('segments.project_id', projectId)
      .whereNull('segments.deleted_at')
      .whereRaw('segments.version_of_id = segments.id');
  }

  async list(
    scope: DataScope,
    projectId: number,
    query: SegmentListQuery,
  ): Promise<{ count: number; results: SegmentWithRules[] }> {
    const filtered = () => {
      const builder = this.#live(scope.knex, projectId);
      if (query.search) builder.whereILike('segments.name', `%${escapeLike(query.search)}%`);
      if (!query.includeFeatureSpecific) builder.whereNull('segments.feature_id');
      if (query.segmentIds) builder.whereIn('segments.id', [...query.segmentIds]);
      return builder;
    };
    const counted = (await filtered().count('* as count').first()) as unknown as { count: string | number };
    const segments = await filtered().orderBy('segments.id').offset(query.offset).limit(query.limit);
    return { count: Number(counted.count), results: await this.#withRules(scope.knex, segments) };
  }

  async find(scope: DataScope, projectId: number, id: number): Promise<SegmentWithRules | undefined> {
    const segment = await this.#live(scope.knex, projectId).findById(id);
    if (!segment) return undefined;
    return (await this.#withRules(scope.knex, [segment]))[0];
  }

  async countLive(scope: DataScope, projectId: number): Promise<number> {
    const row = (await this.#live(scope.knex, projectId).count('* as count').first()) as unknown as {
      count: string | number;
    };
    return Number(row.count);
  }

  async create(
    uow: UnitOfWork,
    projectId: number,
    fields: SegmentFields,
    rules: RuleInput[],
  ): Promise<SegmentModel> {
    const inserted = await SegmentModel.query(uow.knex).insertAndFetch({
      project_id: projectId,
      name: fields.name,
      description: fields.description ?? null,
      feature_id: fields.feature ?? null,
    });
    await SegmentModel.query(uow.knex).findById(inserted.id).patch({ version_of_id: inserted.id });
    await this.#insertRules(uow, inserted.id, rules, true);
    return inserted;
  }

  async update(
    uow: UnitOfWork,
    projectId: number,
    id: number,
    patch: Partial<SegmentFields>,
    rules: RuleInput[] | undefined,
  ): Promise<boolean> {
    const changes: Partial<SegmentModel> = { updated_at: new Date() };
    if (patch.name !== undefined) changes.name = patch.name;
    if (patch.description !== undefined) changes.description = patch.description;
    if (patch.feature !== undefined) changes.feature_id = patch.feature;
    const updated = await this.#live(uow.knex, projectId).where('segments.id', id).patch(changes);
    if (updated === 0) return false;
    if (rules) {
      // The nested rules go with the top-level ones (ON DELETE CASCADE), and their conditions with them.
      await uow.knex('segment_rules').where('segment_id', id).delete();
      await this.#insertRules(uow, id, rules, false);
    }
    return true;
  }

  /** Flagsmith soft-deletes segments; the rules stay with the row. */
  async delete(uow: UnitOfWork, projectId: number, id: number): Promise<boolean> {
    const deleted = await this.#live(uow.knex, projectId)
      .where('segments.id', id)
      .patch({ deleted_at: new Date() });
    return deleted > 0;
  }

  /**
   * Every live segment of the project with its rules and conditions, in three queries whatever the number
   * of segments: the environment-document builder calls this once per document.
   */
  async liveSegmentsOfProject(scope: DataScope, projectId: number): Promise<EngineSegment[]> {
    const segments = await this.#live(scope.knex, projectId).orderBy('segments.id');
    // A knex subquery (objection's builder is bound as a value, not compiled into the statement).
    const liveIds = scope
      .knex('segments')
      .select('id')
      .where('project_id', projectId)
      .whereNull('deleted_at')
      .whereRaw('version_of_id = id');
    const trees = await this.#rulesOf(scope.knex, liveIds);
    return segments.map((segment) => ({
      id: segment.id,
      name: segment.name,
      feature: segment.feature_id,
      rules: (trees.get(segment.id) ?? []).map(toDocumentRule),
    }));
  }

  async #withRules(knex: Knex, segments: SegmentModel[]): Promise<SegmentWithRules[]> {
    if (segments.length === 0) return [];
    const trees = await this.#rulesOf(
      knex,
      segments.map((segment) => segment.id),
    );
    return segments.map((segment) => ({ segment, rules: trees.get(segment.id) ?? [] }));
  }

  /** The rule trees of the given segments (ids or a subquery), in two queries: rules, then conditions. */
  async #rulesOf(
    knex: Knex,
    segmentIds: readonly number[] | Knex.QueryBuilder,
  ): Promise<Map<number, StoredRule[]>> {
    // knex compiles an id list and a subquery alike; its typings want one or the other.
    const ids = segmentIds as readonly number[];
    const topRuleIds = knex('segment_rules').select('id').whereIn('segment_id', ids);
    const ruleRows = (await knex('segment_rules')
      .select('id', 'segment_id', 'rule_id', 'type')
      .whereIn('segment_id', ids)
      .orWhereIn('rule_id', topRuleIds)
      .orderBy('id')) as RuleRow[];
    const conditionRows = (await knex('segment_conditions')
      .select('id', 'rule_id', 'operator', 'property', 'value', 'description')
      .whereIn(
        'rule_id',
        knex('segment_rules').select('id').whereIn('segment_id', ids).orWhereIn('rule_id', topRuleIds),
      )
      .orderBy('id')) as ConditionRow[];

    const rulesById = new Map<number, StoredRule>();
    for (const row of ruleRows)
      rulesById.set(row.id, { id: row.id, type: row.type, conditions: [], rules: [] });
    for (const row of conditionRows) {
      const { rule_id: ruleId, ...condition } = row;
      rulesById.get(ruleId)?.conditions.push(condition);
    }
    const trees = new Map<number, StoredRule[]>();
    for (const row of ruleRows) {
      const stored = rulesById.get(row.id) as StoredRule;
      if (row.segment_id !== null) trees.set(row.segment_id, [...(trees.get(row.segment_id) ?? []), stored]);
      else if (row.rule_id !== null) rulesById.get(row.rule_id)?.rules.push(stored);
    }
    return trees;
  }

  /** One insert per level of rules and one for all conditions, each list kept in the order it was sent. */
  async #insertRules(uow: UnitOfWork, segmentId: number, rules: RuleInput[], withSegment: boolean) {
    const topIds = await insertInOrder(
      uow.knex,
      'segment_rules',
      rules.map((rule) => ({ segment_id: segmentId, type: rule.type })),
    );
    const nested = rules.flatMap((rule, index) =>
      rule.rules.map((child) => ({ parent: topIds[index] as number, rule: child })),
    );
    const nestedIds = await insertInOrder(
      uow.knex,
      'segment_rules',
      nested.map(({ parent, rule }) => ({ rule_id: parent, type: rule.type })),
    );
    const conditionRows = [
      ...rules.map((rule, index) => ({ ruleId: topIds[index] as number, rule })),
      ...nested.map(({ rule }, index) => ({ ruleId: nestedIds[index] as number, rule })),
    ]
      .sort((a, b) => a.ruleId - b.ruleId)
      .flatMap(({ ruleId, rule }) =>
        rule.conditions.map((condition) => ({
          rule_id: ruleId,
          operator: condition.operator,
          property: condition.property,
          value: condition.value,
          description: condition.description,
          created_with_segment: withSegment,
        })),
      );
    await insertInOrder(uow.knex, 'segment_conditions', conditionRows);
  }
}

/**
 * Inserts rows in one statement and returns their ids in the rows' order: a serial column hands out ids in
 * the order of the VALUES list, so sorting the returned ids restores it whatever order RETURNING used.
 */
async function insertInOrder(knex: Knex, table: string, rows: object[]): Promise<number[]> {
  if (rows.length === 0) return [];
  const returned = (await knex(table).insert(rows).returning('id')) as { id: number }[];
  return returned.map((row) => row.id).sort((a, b) => a - b);
}

function toDocumentRule(rule: StoredRule): DocumentRule {
  return {
    type: rule.type,
    rules: rule.rules.map(toDocumentRule),
    conditions: rule.conditions.map((condition) => ({
      operator: condition.operator,
      property_: condition.property,
      value: condition.value,
    })),
  };
}
