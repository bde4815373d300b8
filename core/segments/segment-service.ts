import type { AuditLog } from '../audit/audit-log.js';
import type { Transactor, UnitOfWork } from '../data/unit-of-work.js';
import { bumpProjectEnvironments } from '../environments/environment-revision.js';
import { domainErrors, ValidationError } from '../errors/domain-error.js';
import type { ProjectAccess } from '../projects/project-policy.js';
import { removeOverridesOfSegment } from '../segment-overrides/segment-override-store.js';
import { identitySegmentIds } from './identity-segments.js';
import type { RuleInput, SegmentBody } from './segment-body.js';
import type { SegmentModel, SegmentWithRules, StoredRule } from './segment-model.js';
import type { SegmentListQuery, SegmentStore } from './segment-store.js';

/** Flagsmith's default `max_segments_allowed` per project; each project's own limit is its column. */
export const maxSegmentsPerProject = 500;

async function maxSegmentsOf(uow: UnitOfWork, projectId: number): Promise<number> {
  const project = (await uow.knex('projects').where('id', projectId).first('max_segments_allowed')) as
    | { max_segments_allowed: number }
    | undefined;
  return project?.max_segments_allowed ?? maxSegmentsPerProject;
}

/** Segments of a project: every change audited and announced as `segment.changed` after commit. */
export class SegmentService {
  constructor(
    private readonly transactor: Transactor,
    readonly store: SegmentStore,
    private readonly audit: AuditLog,
  ) {}

  /** With `identityId`, only the segments that identity (of one of the project's environments) belongs to. */
  async list(access: ProjectAccess, query: SegmentListQuery & { identityId?: number | undefined }) {
    const { identityId, ...rest } = query;
    const reads = this.transactor.reads;
    const segmentIds =
      identityId === undefined ? undefined : await identitySegmentIds(reads, access.projectId, identityId);
    return this.store.list(reads, access.projectId, segmentIds ? { ...rest, segmentIds } : rest);
  }

  async view(access: ProjectAccess, id: number): Promise<SegmentWithRules> {
    const found = await this.store.find(this.transactor.reads, access.projectId, id);
    if (!found) throw domainErrors.notFound();
    return found;
  }

  async create(access: ProjectAccess, body: SegmentBody & { name: string; rules: RuleInput[] }) {
    return this.transactor.run(async (uow) => {
      if ((await this.store.countLive(uow, access.projectId)) >= (await maxSegmentsOf(uow, access.projectId)))
        throw ValidationError.field('project', 'The project has reached the maximum allowed segments limit.');
      const segment = await this.store.create(uow, access.projectId, body, body.rules);
      await this.#changed(uow, access, segment, `New Segment created: ${segment.name}`);
      return (await this.store.find(uow, access.projectId, segment.id)) as SegmentWithRules;
    });
  }

  /**
   * Flagsmith's `segments/{id}/clone/` (the dashboard's "duplicate"): a new segment of the same project with
   * the source's description, feature and rules, under another name; counted against the project's limit.
   */
  async clone(access: ProjectAccess, id: number, name: string): Promise<SegmentWithRules> {
    const source = await this.view(access, id);
    const copy = (rule: StoredRule): RuleInput => ({
      type: rule.type,
      conditions: rule.conditions.map(({ operator, property, value, description }) => ({
        operator,
        property,
        value,
        description,
      })),
      rules: rule.rules.map(copy),
    });
    return this.create(access, {
      name,
      description: source.segment.description,
      feature: source.segment.feature_id,
      rules: source.rules.map(copy),
    });
  }

  async update(access: ProjectAccess, id: number, body: SegmentBody): Promise<SegmentWithRules> {
    const updated = await this.transactor.run(async (uow) => {
      if (!(await this.store.update(uow, access.projectId, id, body, body.rules))) return undefined;
      const found = (await this.store.find(uow, access.projectId, id)) as SegmentWithRules;
      await this.#changed(uow, access, found.segment, `Segment updated: ${found.segment.name}`);
      return found;
    });
    if (!updated) throw domainErrors.notFound();
    return updated;
  }

  async delete(access: ProjectAccess, id: number): Promise<void> {
    const deleted = await this.transactor.run(async (uow) => {
      const found = await this.store.find(uow, access.projectId, id);
      if (!found || !(await this.store.delete(uow, access.projectId, id))) return false;
      await removeOverridesOfSegment(uow, id);
      await this.#changed(uow, access, found.segment, `Segment deleted: ${found.segment.name}`);
      return true;
    });
    if (!deleted) throw domainErrors.notFound();
  }

  async #changed(uow: UnitOfWork, access: ProjectAccess, segment: SegmentModel, log: string) {
    await this.audit.record(uow, {
      organisationId: access.organisation.organisationId,
      projectId: access.projectId,
      actor: access.organisation.tenant,
      relatedObjectType: 'SEGMENT',
      relatedObjectId: segment.id,
      relatedObjectUuid: segment.uuid,
      log,
    });
    uow.emit('segment.changed', { projectId: access.projectId, segmentId: segment.id });
    // Every environment document of the project carries the project's segments.
    await bumpProjectEnvironments(uow, access.projectId);
  }
}
