import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import type { Permission } from '../auth/permission.js';
import {
  type EnvironmentAccess,
  type EnvironmentPolicy,
  type EnvironmentRule,
  environmentRules,
} from '../environments/environment-policy.js';
import { domainErrors, ValidationError } from '../errors/domain-error.js';
import type { FeatureStateView } from '../features/feature-models.js';
import { nestedStateToWire } from '../features/feature-serializer.js';
import { featureStateValueField, inputToRow } from '../features/feature-value.js';
import { route } from '../http/routes.js';
import { fields, parseBody, singleQueryValues } from '../http/validation.js';
import { existingPathId, pathId } from '../organisations/organisation-policy.js';
import { maxPageSize, pageBody, pageRequest } from '../organisations/pagination.js';
import { tenantOf } from '../organisations/tenant.js';
import type { SegmentOverrideService } from './segment-override-service.js';
import type { FeatureSegmentRow } from './segment-override-store.js';

const integer = (field = 'A valid integer is required.') =>
  z.number({ error: field }).int(field).min(0, field).max(2_147_483_647, field);
const priority = z
  .number({ error: 'A valid integer is required.' })
  .int('A valid integer is required.')
  .min(0, 'Ensure this value is greater than or equal to 0.')
  .max(2_147_483_647, 'Ensure this value is less than or equal to 2147483647.');
/** DRF's IntegerField also takes a numeric string, as a form or a query string sends it. */
const looseInteger = z.preprocess(
  (value) => (typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value),
  integer(),
);

const queryId = z
  .string({ error: 'This field is required.' })
  .regex(/^\d{1,9}$/, 'A valid integer is required.')
  .transform(Number);
const listQuery = z.object({ environment: queryId, feature: queryId });

const createBody = z.object({
  feature: looseInteger,
  segment: looseInteger,
  environment: looseInteger,
  priority: priority.nullable().optional(),
});
const updateBody = z.object({
  feature: looseInteger.optional(),
  segment: looseInteger.optional(),
  environment: looseInteger.optional(),
});
const prioritiesBody = z
  .array(z.object({ id: looseInteger, priority }), { error: 'Expected a list of items.' })
  .max(1000);

const allocations = z
  .array(
    z.object({
      multivariate_feature_option: integer(),
      percentage_allocation: z
        .number({ error: 'A valid number is required.' })
        .min(0, 'Ensure this value is greater than or equal to 0.')
        .max(100, 'Ensure this value is less than or equal to 100.'),
    }),
    { error: 'Expected a list of items.' },
  )
  .max(1000);
const segmentOverrideBody = z.object({
  enabled: fields.boolean().optional(),
  feature_state_value: featureStateValueField(),
  feature_segment: z.object(
    { segment: looseInteger, priority: priority.nullable().optional() },
    { error: 'This field is required.' },
  ),
  multivariate_feature_state_values: allocations.optional(),
});

/** FeatureSegmentListSerializer (list, retrieve, update-priorities). */
function listedToWire(row: FeatureSegmentRow) {
  return {
    id: row.id,
    uuid: row.uuid,
    segment: row.segment_id,
    priority: row.priority,
    environment: row.environment_id,
    segment_name: row.segment_name,
    is_feature_specific: row.segment_feature_id !== null,
  };
}

/** FeatureSegmentCreateSerializer (create, update). */
function createdToWire(row: FeatureSegmentRow) {
  return {
    id: row.id,
    uuid: row.uuid,
    feature: row.feature_id,
    segment: row.segment_id,
    environment: row.environment_id,
    priority: row.priority,
  };
}

/** CreateSegmentOverrideFeatureStateSerializer: the state, its override nested, its value typed. */
function segmentOverrideToWire(row: FeatureSegmentRow, state: FeatureStateView) {
  const nested = nestedStateToWire(state);
  return {
    id: nested.id,
    feature: nested.feature,
    enabled: nested.enabled,
    feature_state_value: nested.feature_state_value,
    feature_segment: { id: row.id, segment: row.segment_id, priority: row.priority, uuid: row.uuid },
    deleted_at: null,
    uuid: nested.uuid,
    created_at: nested.created_at,
    updated_at: nested.updated_at,
    live_from: nested.live_from,
    environment: nested.environment,
    identity: null,
    change_request: null,
    multivariate_feature_state_values: nested.multivariate_feature_state_values,
  };
}

const manage = environmentRules.granted('MANAGE_SEGMENT_OVERRIDES');

/**
 * `/api/v1/features/feature-segments/…` and `/api/v1/environments/{key}/features/{id}/create-segment-override/`:
 * segment overrides, as Flagsmith's FeatureSegmentViewSet and create_segment_override. Listing needs the
 * environment's VIEW_ENVIRONMENT; everything else, as Flagsmith's FeatureSegmentPermissions, the
 * environment's MANAGE_SEGMENT_OVERRIDES.
 */
export function segmentOverrideRoutes(deps: {
  overrides: SegmentOverrideService;
  policy: EnvironmentPolicy;
}) {
  const { overrides, policy } = deps;
  const resolved = new WeakMap<Request, EnvironmentAccess>();
  const accessOf = (req: Request) => resolved.get(req) as EnvironmentAccess;

  /** The environment named by its numeric id, in the query or the body; unknown or foreign is a 404. */
  const byEnvironmentId = (rule: EnvironmentRule, environmentOf: (req: Request) => number): Permission => ({
    name: rule.name,
    allows: async (principal, req) => {
      const tenant = tenantOf(principal);
      if (!tenant) return false;
      const apiKey = await overrides.environmentKeyOf(environmentOf(req));
      const access = apiKey === undefined ? undefined : await policy.accessTo(tenant, apiKey);
      if (!access) throw domainErrors.notFound();
      resolved.set(req, access);
      return rule.allows(access);
    },
  });

  const byOverride: Permission = {
    name: manage.name,
    allows: async (principal, req) => {
      const tenant = tenantOf(principal);
      if (!tenant) return false;
      const id = pathId(req.params.featureSegmentId);
      const apiKey =
        id === undefined ? undefined : await overrides.store.environmentKeyOf(overrides.reads, id);
      const access = apiKey === undefined ? undefined : await policy.accessTo(tenant, apiKey);
      if (!access) throw domainErrors.notFound();
      resolved.set(req, access);
      return manage.allows(access);
    },
  };

  // The overrides named in the body must exist, be the caller's, and share one feature and environment.
  const prioritised = new WeakMap<Request, FeatureSegmentRow[]>();
  const byPriorities: Permission = {
    name: manage.name,
    allows: async (principal, req) => {
      const tenant = tenantOf(principal);
      if (!tenant) return false;
      const items = parseBody(prioritiesBody, req.body);
      const ids = [...new Set(items.map((item) => item.id))];
      const rows = await overrides.store.findMany(overrides.reads, ids);
      const notFound = ValidationError.nonField('Some of the provided ids were not found.');
      if (rows.length !== ids.length || ids.length !== items.length) throw notFound;
      const [first] = rows;
      if (!first) {
        // An empty list changes nothing, as in Flagsmith.
        prioritised.set(req, []);
        return true;
      }
      if (
        rows.some((row) => row.environment_id !== first.environment_id || row.feature_id !== first.feature_id)
      )
        throw ValidationError.nonField('All feature segments must belong to the same feature & environment.');
      const apiKey = await overrides.store.environmentKeyOf(overrides.reads, first.id);
      const access = apiKey === undefined ? undefined : await policy.accessTo(tenant, apiKey);
      if (!access) throw notFound;
      resolved.set(req, access);
      prioritised.set(req, rows);
      return manage.allows(access);
    },
  };

  const features = Router();
  route(features, '/feature-segments/', {
    get: {
      permission: byEnvironmentId(
        environmentRules.view,
        (req) => parseBody(listQuery, singleQueryValues(req.query)).environment,
      ),
      handle: async (req, res) => {
        const { feature } = parseBody(listQuery, singleQueryValues(req.query));
        const page = pageRequest(req, maxPageSize);
        const rows = await overrides.list(accessOf(req), feature);
        const slice = rows.slice(page.offset, page.offset + page.pageSize).map(listedToWire);
        res.json(pageBody(req, page, rows.length, slice));
      },
    },
    post: {
      permission: byEnvironmentId(manage, (req) => parseBody(createBody, req.body).environment),
      handle: async (req, res) => {
        const body = parseBody(createBody, req.body);
        const row = await overrides.create(accessOf(req), {
          feature: body.feature,
          segment: body.segment,
          priority: body.priority ?? undefined,
        });
        res.status(201).json(createdToWire(row));
      },
    },
  });
  route(features, '/feature-segments/update-priorities/', {
    post: {
      permission: byPriorities,
      handle: async (req, res) => {
        const rows = prioritised.get(req) ?? [];
        if (rows.length === 0) return void res.json([]);
        const items = parseBody(prioritiesBody, req.body);
        const updated = await overrides.updatePriorities(accessOf(req), rows, items);
        res.json(updated.map(listedToWire));
      },
    },
  });
  // get-by-uuid: as Flagsmith, anyone who may see the override's environment (no MANAGE_SEGMENT_OVERRIDES).
  const byUuid = new WeakMap<Request, FeatureSegmentRow>();
  route(features, '/feature-segments/get-by-uuid/:uuid/', {
    get: {
      permission: {
        name: environmentRules.view.name,
        allows: async (principal, req) => {
          const tenant = tenantOf(principal);
          if (!tenant) return false;
          const row = await overrides.store.findByUuid(overrides.reads, String(req.params.uuid));
          const apiKey = row && (await overrides.store.environmentKeyOf(overrides.reads, row.id));
          const access = apiKey ? await policy.accessTo(tenant, apiKey) : undefined;
          if (!row || !access) throw domainErrors.notFound();
          byUuid.set(req, row);
          return true;
        },
      },
      handle: async (req, res) => void res.json(listedToWire(byUuid.get(req) as FeatureSegmentRow)),
    },
  });
  const update = (partial: boolean) => async (req: Request, res: Response) => {
    const body = parseBody(partial ? updateBody : updateBody.required(), req.body);
    const row = await overrides.update(accessOf(req), existingPathId(req.params.featureSegmentId), body);
    res.json(createdToWire(row));
  };
  route(features, '/feature-segments/:featureSegmentId/', {
    get: {
      permission: byOverride,
      handle: async (req, res) =>
        void res.json(
          listedToWire(await overrides.view(accessOf(req), existingPathId(req.params.featureSegmentId))),
        ),
    },
    put: { permission: byOverride, handle: update(false) },
    patch: { permission: byOverride, handle: update(true) },
    delete: {
      permission: byOverride,
      handle: async (req, res) => {
        await overrides.delete(accessOf(req), existingPathId(req.params.featureSegmentId));
        res.status(204).end();
      },
    },
  });

  const environments = Router();
  route(environments, '/:apiKey/features/:featureId/create-segment-override/', {
    post: {
      permission: policy.permission(manage),
      handle: async (req, res) => {
        const body = parseBody(segmentOverrideBody, req.body);
        const { row, state } = await overrides.createWithState(
          policy.accessOf(req),
          existingPathId(req.params.featureId),
          {
            segment: body.feature_segment.segment,
            priority: body.feature_segment.priority ?? undefined,
            state: {
              enabled: body.enabled ?? false,
              value: inputToRow(body.feature_state_value),
              allocations: (body.multivariate_feature_state_values ?? []).map((allocation) => ({
                optionId: allocation.multivariate_feature_option,
                percentage: allocation.percentage_allocation,
              })),
            },
          },
        );
        res.status(201).json(segmentOverrideToWire(row, state));
      },
    },
  });

  return { features, environments };
}
