import { type Request, Router } from 'express';
import { z } from 'zod';
import { ValidationError } from '../errors/domain-error.js';
import { route } from '../http/routes.js';
import { fields, parseBody, singleQueryValues } from '../http/validation.js';
import { choice, idList } from '../organisations/organisation-fields.js';
import { existingPathId } from '../organisations/organisation-policy.js';
import { maxPageSize, pageBody, pageRequest } from '../organisations/pagination.js';
import { type ProjectPolicy, projectRules as rules } from '../projects/project-policy.js';
import { featureToWire, optionToWire, projectFeatureToWire, tagToWire } from './feature-serializer.js';
import type { FeatureService } from './feature-service.js';
import { typedToRow, typedValueFields } from './feature-value.js';

const percentage = z
  .number({ error: 'A valid number is required.' })
  .min(0, 'Ensure this value is greater than or equal to 0.')
  .max(100, 'Ensure this value is less than or equal to 100.');

const optionBody = z.object({
  ...typedValueFields,
  default_percentage_allocation: percentage.optional(),
  key: z
    .string({ error: 'Not a valid string.' })
    .max(255, 'Ensure this field has no more than 255 characters.')
    .regex(/^[-a-zA-Z0-9_]+$/, 'Enter a valid “slug” consisting of letters, numbers, underscores or hyphens.')
    .nullable()
    .optional(),
});
type OptionBody = z.output<typeof optionBody>;

function optionFields(body: OptionBody) {
  return {
    ...typedToRow(body),
    default_percentage_allocation: body.default_percentage_allocation ?? 100,
    key: body.key ?? null,
  };
}

const featureFields = {
  name: fields.string({ max: 2000 }),
  type: choice(['STANDARD', 'MULTIVARIATE']).optional(),
  default_enabled: fields.boolean().optional(),
  initial_value: z
    .string({ error: 'Not a valid string.' })
    .max(20_000, 'Ensure this field has no more than 20000 characters.')
    .nullable()
    .optional(),
  description: z.string({ error: 'Not a valid string.' }).nullable().optional(),
  tags: idList().optional(),
  is_archived: fields.boolean().optional(),
  is_server_key_only: fields.boolean().optional(),
};
const createBody = z.object({
  ...featureFields,
  owners: idList().optional(),
  group_owners: idList().optional(),
  multivariate_options: z.array(optionBody, { error: 'Expected a list of items.' }).max(100).optional(),
});
const updateBody = z.object(featureFields);

const tagBody = z.object({
  label: fields.string({ max: 100 }),
  color: fields.string({ max: 10 }).optional(),
  description: z.string({ error: 'Not a valid string.' }).max(512).nullable().optional(),
  is_permanent: fields.boolean().optional(),
});

const drfBoolean = z
  .enum(['true', 'false', 'True', 'False', '1', '0'], { error: 'Must be a valid boolean.' })
  .transform((value) => value === 'true' || value === 'True' || value === '1');
const queryId = z
  .string()
  .regex(/^\d{1,9}$/, 'A valid integer is required.')
  .transform(Number);
function commaIds(value: string): number[] {
  return value.trim() === '' ? [] : value.split(',').map((id) => Number(id.trim()));
}

/** FeatureQuerySerializer, on what the dashboard's feature list sends. */
const listQuery = z.object({
  search: z.string().max(2000).optional(),
  sort_field: choice(['name', 'created_date']).default('created_date'),
  sort_direction: choice(['ASC', 'DESC']).default('ASC'),
  is_archived: drfBoolean.optional(),
  tag_strategy: choice(['INTERSECTION', 'UNION']).default('INTERSECTION'),
  tags: z
    .string()
    .regex(/^(\d{1,9}(,\d{1,9})*)?$/, 'Enter a comma-separated list of tag ids.')
    .transform((value) => (value === '' ? [] : value.split(',').map(Number)))
    .optional(),
  environment: queryId.optional(),
  // The filters bar (`is_enabled`, `value_search`) and the orderings of the segment and identity pages.
  is_enabled: drfBoolean.optional(),
  // A DRF CharField: trimmed, and blank is an error.
  value_search: z
    .string()
    .max(2000)
    .transform((value) => value.trim())
    .refine((value) => value !== '', 'This field may not be blank.')
    .optional(),
  segment: queryId.optional(),
  identity: z
    .string()
    .regex(/^\d{1,9}$/, 'Must be a valid integer.')
    .transform(Number)
    .optional(),
  owners: z
    .string()
    .regex(/^(\s*\d{1,9}\s*(,\s*\d{1,9}\s*)*)?$/, 'Owner IDs must be integers.')
    .transform(commaIds)
    .optional(),
  group_owners: z
    .string()
    .regex(/^(\s*\d{1,9}\s*(,\s*\d{1,9}\s*)*)?$/, 'Group owner IDs must be integers.')
    .transform(commaIds)
    .optional(),
});
const ownersBody = z.object({ user_ids: idList() });
const groupOwnersBody = z.object({ group_ids: idList() });

type Defined<T> = { [K in keyof T]?: Exclude<T[K], undefined> };

function defined<T extends object>(body: T): Defined<T> {
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined)) as Defined<T>;
}

/** `/api/v1/projects/{id}/features/…` (with `mv-options/`) and `/api/v1/projects/{id}/tags/…`. */
export function featureRoutes(deps: { features: FeatureService; policy: ProjectPolicy }): Router {
  const { features, policy } = deps;
  const router = Router();
  const environmentParam = (req: Request) => {
    const raw = singleQueryValues(req.query).environment;
    if (raw === undefined || raw === '') return undefined;
    return parseBody(z.object({ environment: queryId }), { environment: raw }).environment;
  };

  route(router, '/:projectId/features/', {
    get: {
      permission: policy.permission(rules.view),
      handle: async (req, res) => {
        const query = parseBody(listQuery, singleQueryValues(req.query));
        if (
          (query.is_enabled !== undefined || query.value_search !== undefined) &&
          query.environment === undefined
        )
          throw ValidationError.field(
            'environment',
            'Environment is required in order to filter by state search or by state enabled',
          );
        const page = pageRequest(req, maxPageSize);
        const { count, views } = await features.list(
          policy.accessOf(req),
          {
            search: query.search,
            isArchived: query.is_archived,
            tagIds: query.tags,
            ownerIds: query.owners,
            groupOwnerIds: query.group_owners,
            tagStrategy: query.tag_strategy,
            sortField: query.sort_field,
            sortDirection: query.sort_direction,
            environmentId: query.environment,
            isEnabled: query.is_enabled,
            valueSearch: query.value_search,
            segmentOverridesFirst: query.segment,
            identityOverridesFirst: query.identity,
            limit: page.pageSize,
            offset: page.offset,
          },
          query.environment,
        );
        res.json(pageBody(req, page, count, views.map(featureToWire)));
      },
    },
    post: {
      permission: policy.permission(rules.granted('CREATE_FEATURE')),
      handle: async (req, res) => {
        const body = parseBody(createBody, req.body);
        const view = await features.create(policy.accessOf(req), {
          ...defined(body),
          name: body.name,
          multivariate_options: body.multivariate_options?.map(optionFields),
        });
        res.status(201).json(featureToWire(view));
      },
    },
  });

  const updateFeature = (partial: boolean) => async (req: Request, res: import('express').Response) => {
    const body = parseBody(partial ? updateBody.partial() : updateBody, req.body);
    const view = await features.update(
      policy.accessOf(req),
      existingPathId(req.params.featureId),
      defined(body),
    );
    res.json(featureToWire(view));
  };
  route(router, '/:projectId/features/:featureId/', {
    get: {
      permission: policy.permission(rules.view),
      handle: async (req, res) => {
        const view = await features.view(
          policy.accessOf(req),
          existingPathId(req.params.featureId),
          environmentParam(req),
        );
        res.json(featureToWire(view));
      },
    },
    put: { permission: policy.permission(rules.granted('EDIT_FEATURE')), handle: updateFeature(false) },
    patch: { permission: policy.permission(rules.granted('EDIT_FEATURE')), handle: updateFeature(true) },
    delete: {
      permission: policy.permission(rules.granted('DELETE_FEATURE')),
      handle: async (req, res) => {
        await features.delete(policy.accessOf(req), existingPathId(req.params.featureId));
        res.status(204).end();
      },
    },
  });

  // Flagsmith's add-owners, remove-owners, add-group-owners and remove-group-owners (CREATE_FEATURE).
  const ownerActions = {
    'add-owners': (access, id, body) => features.addOwners(access, id, parseBody(ownersBody, body).user_ids),
    'remove-owners': (access, id, body) =>
      features.removeOwners(access, id, parseBody(ownersBody, body).user_ids),
    'add-group-owners': (access, id, body) =>
      features.addGroupOwners(access, id, parseBody(groupOwnersBody, body).group_ids),
    'remove-group-owners': (access, id, body) =>
      features.removeGroupOwners(access, id, parseBody(groupOwnersBody, body).group_ids),
  } satisfies Record<
    string,
    (
      access: ReturnType<typeof policy.accessOf>,
      featureId: number,
      body: unknown,
    ) => ReturnType<FeatureService['view']>
  >;
  for (const [action, run] of Object.entries(ownerActions)) {
    route(router, `/:projectId/features/:featureId/${action}/`, {
      post: {
        permission: policy.permission(rules.granted('CREATE_FEATURE')),
        handle: async (req, res) =>
          void res.json(
            projectFeatureToWire(
              await run(policy.accessOf(req), existingPathId(req.params.featureId), req.body),
            ),
          ),
      },
    });
  }

  route(router, '/:projectId/features/:featureId/mv-options/', {
    get: {
      permission: policy.permission(rules.view),
      handle: async (req, res) => {
        const options = await features.listOptions(
          policy.accessOf(req),
          existingPathId(req.params.featureId),
        );
        const wire = options.map(optionToWire);
        res.json({ count: wire.length, next: null, previous: null, results: wire });
      },
    },
    post: {
      permission: policy.permission(rules.granted('EDIT_FEATURE')),
      handle: async (req, res) => {
        const body = parseBody(optionBody, req.body);
        const option = await features.createOption(
          policy.accessOf(req),
          existingPathId(req.params.featureId),
          optionFields(body),
        );
        res.status(201).json(optionToWire(option));
      },
    },
  });

  const updateOption = (partial: boolean) => async (req: Request, res: import('express').Response) => {
    const body = parseBody(optionBody, req.body);
    // A PATCH changes only the columns it names (an integer_value alone keeps the option's `int` type).
    const patch = partial ? defined(body) : optionFields(body);
    const option = await features.updateOption(
      policy.accessOf(req),
      existingPathId(req.params.featureId),
      existingPathId(req.params.optionId),
      patch,
    );
    res.json(optionToWire(option));
  };
  route(router, '/:projectId/features/:featureId/mv-options/:optionId/', {
    get: {
      permission: policy.permission(rules.view),
      handle: async (req, res) => {
        const option = await features.viewOption(
          policy.accessOf(req),
          existingPathId(req.params.featureId),
          existingPathId(req.params.optionId),
        );
        res.json(optionToWire(option));
      },
    },
    put: { permission: policy.permission(rules.granted('EDIT_FEATURE')), handle: updateOption(false) },
    patch: { permission: policy.permission(rules.granted('EDIT_FEATURE')), handle: updateOption(true) },
    delete: {
      permission: policy.permission(rules.granted('EDIT_FEATURE')),
      handle: async (req, res) => {
        await features.deleteOption(
          policy.accessOf(req),
          existingPathId(req.params.featureId),
          existingPathId(req.params.optionId),
        );
        res.status(204).end();
      },
    },
  });

  // Tags: reading is for anyone who sees the project; changing them is for its admins (no MANAGE_TAGS key yet).
  route(router, '/:projectId/tags/', {
    get: {
      permission: policy.permission(rules.view),
      handle: async (req, res) =>
        void res.json((await features.listTags(policy.accessOf(req))).map(tagToWire)),
    },
    post: {
      permission: policy.permission(rules.admin),
      handle: async (req, res) => {
        const body = parseBody(tagBody, req.body);
        res
          .status(201)
          .json(
            tagToWire(
              await features.createTag(policy.accessOf(req), { ...defined(body), label: body.label }),
            ),
          );
      },
    },
  });
  const updateTag = (partial: boolean) => async (req: Request, res: import('express').Response) => {
    const body = parseBody(partial ? tagBody.partial() : tagBody, req.body);
    res.json(
      tagToWire(
        await features.updateTag(policy.accessOf(req), existingPathId(req.params.tagId), defined(body)),
      ),
    );
  };
  route(router, '/:projectId/tags/:tagId/', {
    get: {
      permission: policy.permission(rules.view),
      handle: async (req, res) =>
        void res.json(
          tagToWire(await features.viewTag(policy.accessOf(req), existingPathId(req.params.tagId))),
        ),
    },
    put: { permission: policy.permission(rules.admin), handle: updateTag(false) },
    patch: { permission: policy.permission(rules.admin), handle: updateTag(true) },
    delete: {
      permission: policy.permission(rules.admin),
      handle: async (req, res) => {
        await features.deleteTag(policy.accessOf(req), existingPathId(req.params.tagId));
        res.status(204).end();
      },
    },
  });

  return router;
}
