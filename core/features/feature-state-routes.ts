import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import type { Permission } from '../auth/permission.js';
import {
  type EnvironmentAccess,
  type EnvironmentPolicy,
  type EnvironmentRule,
  environmentRules,
} from '../environments/environment-policy.js';
import { domainErrors } from '../errors/domain-error.js';
import { route } from '../http/routes.js';
import { fields, parseBody, singleQueryValues } from '../http/validation.js';
import { optionalDateTime } from '../organisations/organisation-fields.js';
import { existingPathId, pathId } from '../organisations/organisation-policy.js';
import { maxPageSize, pageBody, pageRequest } from '../organisations/pagination.js';
import { tenantOf } from '../organisations/tenant.js';
import type { FeatureStateView } from './feature-models.js';
import { nestedStateToWire, stateToWire } from './feature-serializer.js';
import type { FeatureService } from './feature-service.js';
import { featureStateValueField, inputToRow, stateAllocationsField } from './feature-value.js';

const stateBody = z.object({
  enabled: fields.boolean().optional(),
  feature_state_value: featureStateValueField().optional(),
  live_from: optionalDateTime(),
  multivariate_feature_state_values: stateAllocationsField(),
});

const queryId = z
  .string({ error: 'This field is required.' })
  .regex(/^\d{1,9}$/, 'A valid integer is required.')
  .transform(Number);
const listQuery = z.object({ environment: queryId, feature: queryId.optional() });

/**
 * `/api/v1/environments/{key}/featurestates/…` and `/api/v1/features/featurestates/{id}/`: environment
 * defaults, read with VIEW_ENVIRONMENT and changed with UPDATE_FEATURE_STATE (the dashboard toggles with PUT).
 */
export function featureStateRoutes(deps: { features: FeatureService; policy: EnvironmentPolicy }) {
  const { features, policy } = deps;

  // A state addressed by its id alone: its environment's permission, and another tenant's state is a 404.
  const resolved = new WeakMap<Request, EnvironmentAccess>();
  // A segment override's state is changed with MANAGE_SEGMENT_OVERRIDES instead (`segmentRule`).
  const byState = (rule: EnvironmentRule, segmentRule?: EnvironmentRule): Permission => ({
    name: rule.name,
    allows: async (principal, req) => {
      const tenant = tenantOf(principal);
      if (!tenant) return false;
      const stateId = pathId(req.params.stateId);
      const apiKey = stateId === undefined ? undefined : await features.environmentKeyOfState(stateId);
      const access = apiKey === undefined ? undefined : await policy.accessTo(tenant, apiKey);
      if (!access || stateId === undefined) throw domainErrors.notFound();
      resolved.set(req, access);
      if (segmentRule && (await features.isSegmentOverrideState(stateId))) return segmentRule.allows(access);
      return rule.allows(access);
    },
  });
  const changeState = () =>
    byState(
      environmentRules.granted('UPDATE_FEATURE_STATE'),
      environmentRules.granted('MANAGE_SEGMENT_OVERRIDES'),
    );
  const accessByState = (req: Request) => resolved.get(req) as EnvironmentAccess;

  const update =
    (
      accessOf: (req: Request) => EnvironmentAccess,
      toWire: (state: FeatureStateView) => object = stateToWire,
    ) =>
    async (req: Request, res: Response) => {
      const body = parseBody(stateBody, req.body);
      const state = await features.updateState(accessOf(req), existingPathId(req.params.stateId), {
        enabled: body.enabled,
        value: body.feature_state_value === undefined ? undefined : inputToRow(body.feature_state_value),
        live_from: body.live_from,
        allocations: body.multivariate_feature_state_values?.map((allocation) => ({
          optionId: allocation.multivariate_feature_option,
          percentage: allocation.percentage_allocation,
        })),
      });
      res.json(toWire(state));
    };

  const environments = Router();
  route(environments, '/:apiKey/featurestates/', {
    get: {
      permission: policy.permission(environmentRules.view),
      handle: async (req, res) => {
        const raw = req.query.feature;
        const featureId =
          raw === undefined || raw === ''
            ? undefined
            : parseBody(
                z.object({ feature: z.string().regex(/^\d{1,9}$/, 'A valid integer is required.') }),
                { feature: Array.isArray(raw) ? raw.at(-1) : raw },
              ).feature;
        const page = pageRequest(req, maxPageSize);
        const feature = featureId === undefined ? undefined : Number(featureId);
        // Flagsmith's `anyIdentity` (any value, even empty): identity overrides instead of the defaults, each
        // with its identity nested as `{id, identifier}` (FeatureStateSerializerWithIdentity).
        if (req.query.anyIdentity !== undefined) {
          const overrides = await features.listIdentityOverrides(policy.accessOf(req), feature);
          const slice = overrides.slice(page.offset, page.offset + page.pageSize).map((state) => ({
            ...stateToWire(state),
            identity: { id: state.identity_id, identifier: state.identifier },
          }));
          res.json(pageBody(req, page, overrides.length, slice));
          return;
        }
        const states = await features.listStates(policy.accessOf(req), feature);
        const slice = states.slice(page.offset, page.offset + page.pageSize).map(stateToWire);
        res.json(pageBody(req, page, states.length, slice));
      },
    },
  });
  // Flagsmith's EnvironmentFeatureStateViewSet addresses environment defaults only: a segment override's
  // state is not found here (it is changed at /features/featurestates/{id}/, with MANAGE_SEGMENT_OVERRIDES).
  const defaultsOnly =
    (handle: (req: Request, res: Response) => Promise<void>) => async (req: Request, res: Response) => {
      if (await features.isSegmentOverrideState(existingPathId(req.params.stateId)))
        throw domainErrors.notFound();
      await handle(req, res);
    };
  route(environments, '/:apiKey/featurestates/:stateId/', {
    get: {
      permission: policy.permission(environmentRules.view),
      handle: defaultsOnly(
        async (req, res) =>
          void res.json(
            stateToWire(await features.viewState(policy.accessOf(req), existingPathId(req.params.stateId))),
          ),
      ),
    },
    put: {
      permission: policy.permission(environmentRules.granted('UPDATE_FEATURE_STATE')),
      handle: defaultsOnly(update((req) => policy.accessOf(req))),
    },
    patch: {
      permission: policy.permission(environmentRules.granted('UPDATE_FEATURE_STATE')),
      handle: defaultsOnly(update((req) => policy.accessOf(req))),
    },
  });

  // `/features/featurestates/?environment=<id>`: the environment named by its numeric id (required).
  const byEnvironmentId: Permission = {
    name: environmentRules.view.name,
    allows: async (principal, req) => {
      const tenant = tenantOf(principal);
      if (!tenant) return false;
      const { environment } = parseBody(listQuery, singleQueryValues(req.query));
      const apiKey = await features.environmentKeyOf(environment);
      const access = apiKey === undefined ? undefined : await policy.accessTo(tenant, apiKey);
      if (!access) throw domainErrors.notFound();
      resolved.set(req, access);
      return true;
    },
  };

  const byId = Router();
  route(byId, '/featurestates/', {
    get: {
      permission: byEnvironmentId,
      handle: async (req, res) => {
        const { feature } = parseBody(listQuery, singleQueryValues(req.query));
        const page = pageRequest(req, maxPageSize);
        const states = await features.listStates(accessByState(req), feature, true);
        const slice = states.slice(page.offset, page.offset + page.pageSize).map(nestedStateToWire);
        res.json(pageBody(req, page, states.length, slice));
      },
    },
  });
  route(byId, '/featurestates/:stateId/', {
    get: {
      permission: byState(environmentRules.view),
      handle: async (req, res) =>
        void res.json(
          nestedStateToWire(await features.viewState(accessByState(req), existingPathId(req.params.stateId))),
        ),
    },
    put: { permission: changeState(), handle: update(accessByState, nestedStateToWire) },
    patch: { permission: changeState(), handle: update(accessByState, nestedStateToWire) },
  });

  return { environments, byId };
}
