import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import type { EnvironmentPolicy } from '../environments/environment-policy.js';
import { environmentRules as rules } from '../environments/environment-policy.js';
import { stringifyJson } from '../evaluation/index.js';
import type { FeatureStateView } from '../features/feature-models.js';
import { stateToWire } from '../features/feature-serializer.js';
import { featureStateValueField, inputToRow, stateAllocationsField } from '../features/feature-value.js';
import { route } from '../http/routes.js';
import { fields, parseBody } from '../http/validation.js';
import { existingPathId } from '../organisations/organisation-policy.js';
import { pageBody, pageRequest } from '../organisations/pagination.js';
import type { IdentityService, OverrideInput, OverrideView, TraitFields } from './identity-service.js';
import type { IdentityRow } from './identity-store.js';
import {
  type TraitRow,
  traitColumns,
  traitStringMaxLength,
  traitValue,
  traitValueTypes,
} from './trait-value.js';

/** DRF's default pagination (PageNumberPagination, PAGE_SIZE 10), which the traits and overrides lists use. */
const defaultPageSize = 10;

const identityBody = z.object({ identifier: fields.string({ max: 2000 }) });

const integerValue = z
  .number({ error: 'A valid integer is required.' })
  .int('A valid integer is required.')
  .min(-2_147_483_648, 'Ensure this value is greater than or equal to -2147483648.')
  .max(2_147_483_647, 'Ensure this value is less than or equal to 2147483647.');
/** TraitSerializer's model fields, plus `trait_value`, a JSON primitive typed as TraitValueField types it. */
const traitBody = z.object({
  trait_key: fields.string({ max: 200 }),
  value_type: z
    .enum(traitValueTypes, { error: (issue) => `"${String(issue.input)}" is not a valid choice.` })
    .nullable()
    .optional(),
  integer_value: integerValue.nullable().optional(),
  string_value: z
    .string({ error: 'Not a valid string.' })
    .max(traitStringMaxLength, `Ensure this field has no more than ${traitStringMaxLength} characters.`)
    .nullable()
    .optional(),
  boolean_value: fields.boolean().nullable().optional(),
  float_value: z.number({ error: 'A valid number is required.' }).nullable().optional(),
  trait_value: z
    .union(
      [
        z
          .string()
          .max(
            traitStringMaxLength,
            `Value string is too long. Must be less than ${traitStringMaxLength} character`,
          ),
        z.number(),
        z.boolean(),
        z.null(),
      ],
      { error: 'Not a valid value.' },
    )
    .optional(),
});
type TraitBody = z.output<typeof traitBody>;

const allocations = stateAllocationsField();
const overrideBody = z.object({
  feature: z.number({ error: 'A valid integer is required.' }).int('A valid integer is required.').optional(),
  enabled: fields.boolean().optional(),
  feature_state_value: featureStateValueField().optional(),
  multivariate_feature_state_values: allocations,
});
const deleteTraitsBody = z.object({ key: fields.string() });
const cloneBody = z.object({
  source_identity_id: z
    .number({
      error: (issue) =>
        issue.input === undefined ? 'This field is required.' : 'A valid integer is required.',
    })
    .int('A valid integer is required.')
    .min(1, 'A valid integer is required.')
    .max(2_147_483_647, 'A valid integer is required.'),
});

/** IdentitySerializer. */
export function identityToWire(identity: IdentityRow) {
  return { id: identity.id, identifier: identity.identifier, environment: identity.environment_id };
}

/** TraitSerializer, plus the trait's typed `trait_value` (a float prints as one: `2.0`). */
function traitToWire(trait: TraitRow) {
  return {
    id: trait.id,
    trait_key: trait.trait_key,
    value_type: trait.value_type,
    integer_value: trait.integer_value,
    string_value: trait.string_value,
    boolean_value: trait.boolean_value,
    float_value: trait.float_value === null ? null : traitValue({ ...trait, value_type: 'float' }),
    created_date: new Date(trait.created_date).toISOString(),
    trait_value: traitValue(trait),
  };
}

/** Python's json.dumps spelling, so that floats stay floats (`2.0`, `50.0`). */
function sendPython(res: Response, status: number, body: unknown) {
  res.status(status).type('application/json').send(stringifyJson(body));
}

function traitFields(body: { [K in keyof TraitBody]?: TraitBody[K] | undefined }): TraitFields {
  const { trait_value: value, ...typed } = body;
  if (value === undefined) return typed;
  const columns =
    value === null
      ? {
          value_type: 'unicode' as const,
          integer_value: null,
          string_value: null,
          boolean_value: null,
          float_value: null,
        }
      : traitColumns(value);
  return { trait_key: typed.trait_key, ...columns };
}

/** FeatureStateSerializerWithIdentity (the list): the identity nested as `{id, identifier}`. */
function overrideListItem({ state, identity }: OverrideView) {
  return { ...stateToWire(state), identity: { id: identity.id, identifier: identity.identifier } };
}

const overrideToWire = ({ state }: { state: FeatureStateView }) => stateToWire(state);

function overrideInput(body: z.output<typeof overrideBody>): OverrideInput {
  return {
    feature: body.feature,
    enabled: body.enabled,
    value: body.feature_state_value === undefined ? undefined : inputToRow(body.feature_state_value),
    allocations: body.multivariate_feature_state_values?.map((allocation) => ({
      optionId: allocation.multivariate_feature_option,
      percentage: allocation.percentage_allocation,
    })),
  };
}

/**
 * `/api/v1/environments/{api_key}/identities/…` (IdentityViewSet, TraitViewSet, IdentityFeatureStateViewSet) and
 * the environment's `trait-keys/` and `delete-traits/`. Permissions as Flagsmith's: identities and traits read
 * with VIEW_IDENTITIES and change with MANAGE_IDENTITIES; identity overrides read with VIEW_ENVIRONMENT and
 * change with UPDATE_FEATURE_STATE (EnvironmentFeatureStatePermissions); `trait-keys/` needs VIEW_ENVIRONMENT,
 * `delete-traits/` an environment admin.
 */
export function identityRoutes(deps: { identities: IdentityService; policy: EnvironmentPolicy }): Router {
  const { identities, policy } = deps;
  const viewIdentities = policy.permission(rules.granted('VIEW_IDENTITIES'));
  const manageIdentities = policy.permission(rules.granted('MANAGE_IDENTITIES'));
  const viewEnvironment = policy.permission(rules.view);
  const updateStates = policy.permission(rules.granted('UPDATE_FEATURE_STATE'));
  const identityId = (params: { identityId?: string }) => existingPathId(params.identityId);
  const router = Router();

  route(router, '/:apiKey/identities/', {
    get: {
      permission: viewIdentities,
      handle: async (req, res) => {
        const page = pageRequest(req);
        const search = typeof req.query.q === 'string' && req.query.q !== '' ? req.query.q : undefined;
        const { count, rows } = await identities.list(policy.accessOf(req), page, search);
        res.json(pageBody(req, page, count, rows.map(identityToWire)));
      },
    },
    post: {
      permission: manageIdentities,
      handle: async (req, res) => {
        const body = parseBody(identityBody, req.body);
        res.status(201).json(identityToWire(await identities.create(policy.accessOf(req), body.identifier)));
      },
    },
  });

  route(router, '/:apiKey/identities/:identityId/', {
    get: {
      permission: viewIdentities,
      handle: async (req, res) =>
        void res.json(identityToWire(await identities.view(policy.accessOf(req), identityId(req.params)))),
    },
    put: {
      permission: manageIdentities,
      handle: async (req, res) => {
        const body = parseBody(identityBody, req.body);
        const renamed = await identities.rename(
          policy.accessOf(req),
          identityId(req.params),
          body.identifier,
        );
        res.json(identityToWire(renamed));
      },
    },
    patch: {
      permission: manageIdentities,
      handle: async (req, res) => {
        const body = parseBody(identityBody.partial(), req.body);
        const renamed = await identities.rename(
          policy.accessOf(req),
          identityId(req.params),
          body.identifier,
        );
        res.json(identityToWire(renamed));
      },
    },
    delete: {
      permission: manageIdentities,
      handle: async (req, res) => {
        await identities.delete(policy.accessOf(req), identityId(req.params));
        res.status(204).end();
      },
    },
  });

  // ---- traits

  route(router, '/:apiKey/identities/:identityId/traits/', {
    get: {
      permission: viewIdentities,
      handle: async (req, res) => {
        const page = pageRequest(req, defaultPageSize);
        const { count, rows } = await identities.listTraits(
          policy.accessOf(req),
          identityId(req.params),
          page,
        );
        sendPython(res, 200, pageBody(req, page, count, rows.map(traitToWire)));
      },
    },
    post: {
      permission: manageIdentities,
      handle: async (req, res) => {
        const body = parseBody(traitBody, req.body);
        const trait = await identities.createTrait(policy.accessOf(req), identityId(req.params), {
          ...traitFields(body),
          trait_key: body.trait_key,
        });
        sendPython(res, 201, traitToWire(trait));
      },
    },
  });
  const updateTrait = (partial: boolean) => async (req: Request, res: Response) => {
    const body = parseBody(partial ? traitBody.partial() : traitBody, req.body);
    const trait = await identities.updateTrait(
      policy.accessOf(req),
      identityId(req.params),
      existingPathId(req.params.traitId),
      traitFields(body),
    );
    sendPython(res, 200, traitToWire(trait));
  };
  route(router, '/:apiKey/identities/:identityId/traits/:traitId/', {
    get: {
      permission: viewIdentities,
      handle: async (req, res) => {
        const trait = await identities.viewTrait(
          policy.accessOf(req),
          identityId(req.params),
          existingPathId(req.params.traitId),
        );
        sendPython(res, 200, traitToWire(trait));
      },
    },
    put: { permission: manageIdentities, handle: updateTrait(false) },
    patch: { permission: manageIdentities, handle: updateTrait(true) },
    delete: {
      permission: manageIdentities,
      handle: async (req, res) => {
        const all = req.query.deleteAllMatchingTraits;
        await identities.deleteTrait(
          policy.accessOf(req),
          identityId(req.params),
          existingPathId(req.params.traitId),
          all === 'true' || all === 'True',
        );
        res.status(204).end();
      },
    },
  });

  route(router, '/:apiKey/trait-keys/', {
    get: {
      permission: viewEnvironment,
      handle: async (req, res) => void res.json({ keys: await identities.traitKeys(policy.accessOf(req)) }),
    },
  });
  route(router, '/:apiKey/delete-traits/', {
    post: {
      permission: policy.permission(rules.admin),
      handle: async (req, res) => {
        const body = parseBody(deleteTraitsBody, req.body);
        await identities.deleteTraitsWithKey(policy.accessOf(req), body.key);
        res.status(200).end();
      },
    },
  });

  // ---- identity overrides

  route(router, '/:apiKey/identities/:identityId/featurestates/', {
    get: {
      permission: viewEnvironment,
      handle: async (req, res) => {
        const raw = req.query.feature;
        const feature =
          raw === undefined || raw === ''
            ? undefined
            : parseBody(
                z.object({ feature: z.string().regex(/^\d{1,9}$/, 'A valid integer is required.') }),
                {
                  feature: Array.isArray(raw) ? raw.at(-1) : raw,
                },
              ).feature;
        const page = pageRequest(req, defaultPageSize);
        const views = await identities.listOverrides(
          policy.accessOf(req),
          identityId(req.params),
          feature === undefined ? undefined : Number(feature),
        );
        const slice = views.slice(page.offset, page.offset + page.pageSize).map(overrideListItem);
        res.json(pageBody(req, page, views.length, slice));
      },
    },
    post: {
      permission: updateStates,
      handle: async (req, res) => {
        const body = parseBody(overrideBody, req.body);
        const created = await identities.createOverride(
          policy.accessOf(req),
          identityId(req.params),
          overrideInput(body),
        );
        res.status(201).json(overrideToWire(created));
      },
    },
  });
  route(router, '/:apiKey/identities/:identityId/featurestates/all/', {
    get: {
      permission: viewEnvironment,
      handle: async (req, res) => {
        sendPython(res, 200, await identities.allFlags(policy.accessOf(req), identityId(req.params)));
      },
    },
  });
  route(router, '/:apiKey/identities/:identityId/featurestates/clone-from-given-identity/', {
    post: {
      // Not in EnvironmentFeatureStatePermissions' action map: Flagsmith lets environment admins only.
      permission: policy.permission(rules.admin),
      handle: async (req, res) => {
        const body = parseBody(cloneBody, req.body);
        const access = policy.accessOf(req);
        const target = identityId(req.params);
        await identities.cloneOverrides(access, target, body.source_identity_id);
        sendPython(res, 200, await identities.allFlags(access, target));
      },
    },
  });
  const updateOverride = async (req: Request, res: Response) => {
    const body = parseBody(overrideBody, req.body);
    const updated = await identities.updateOverride(
      policy.accessOf(req),
      identityId(req.params),
      existingPathId(req.params.stateId),
      overrideInput(body),
    );
    res.json(overrideToWire(updated));
  };
  route(router, '/:apiKey/identities/:identityId/featurestates/:stateId/', {
    get: {
      permission: viewEnvironment,
      handle: async (req, res) => {
        const view = await identities.viewOverride(
          policy.accessOf(req),
          identityId(req.params),
          existingPathId(req.params.stateId),
        );
        res.json(overrideToWire(view));
      },
    },
    put: { permission: updateStates, handle: updateOverride },
    patch: { permission: updateStates, handle: updateOverride },
    delete: {
      permission: updateStates,
      handle: async (req, res) => {
        await identities.deleteOverride(
          policy.accessOf(req),
          identityId(req.params),
          existingPathId(req.params.stateId),
        );
        res.status(204).end();
      },
    },
  });

  return router;
}
