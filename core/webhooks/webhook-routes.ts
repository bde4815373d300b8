import { type Request, Router } from 'express';
import { z } from 'zod';
import type { Permission } from '../auth/permission.js';
import type { EnvironmentPolicy } from '../environments/environment-policy.js';
import { domainErrors } from '../errors/domain-error.js';
import { route } from '../http/routes.js';
import { fields, parseBody } from '../http/validation.js';
import {
  existingPathId,
  type OrganisationPolicy,
  organisationRules as rules,
} from '../organisations/organisation-policy.js';
import { pageBody, pageRequest } from '../organisations/pagination.js';
import { tenantOf } from '../organisations/tenant.js';
import type { WebhookOwner, WebhookService } from './webhook-service.js';
import { webhookToWire } from './webhook-store.js';

const invalidUrl = 'Enter a valid URL.';

// DRF's URLField (max_length 200): http or https with a host.
export const urlField = () =>
  fields.string({ max: 200 }).refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
    } catch {
      return false;
    }
  }, invalidUrl);

const webhookBody = z.object({
  url: urlField(),
  enabled: fields.boolean().optional(),
  secret: fields.string({ max: 255, allowBlank: true }).optional(),
});

type Defined<T> = { [K in keyof T]?: Exclude<T[K], undefined> };

/** The fields a body set, for PATCH semantics under exactOptionalPropertyTypes. */
function defined<T extends object>(body: T): Defined<T> {
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined)) as Defined<T>;
}

interface CrudOptions {
  readonly webhooks: WebhookService;
  readonly permission: Permission;
  readonly ownerOf: (req: Request) => WebhookOwner | Promise<WebhookOwner>;
  /** Organisation webhooks page their list (PaginatedOrganisationWebhookList); environment webhooks do not. */
  readonly paginated: boolean;
  /** Environment webhooks have no retrieve in Flagsmith. */
  readonly retrieve: boolean;
}

function crud(router: Router, prefix: string, options: CrudOptions): void {
  const { webhooks, permission, ownerOf } = options;
  route(router, `${prefix}/`, {
    get: {
      permission,
      handle: async (req, res) => {
        const owner = await ownerOf(req);
        if (!options.paginated) {
          res.json((await webhooks.list(owner)).rows.map(webhookToWire));
          return;
        }
        const page = pageRequest(req);
        const { count, rows } = await webhooks.list(owner, page);
        res.json(pageBody(req, page, count, rows.map(webhookToWire)));
      },
    },
    post: {
      permission,
      handle: async (req, res) => {
        const body = parseBody(webhookBody, req.body);
        res
          .status(201)
          .json(
            webhookToWire(await webhooks.create(await ownerOf(req), { ...defined(body), url: body.url })),
          );
      },
    },
  });
  route(router, `${prefix}/:webhookId/`, {
    ...(options.retrieve
      ? {
          get: {
            permission,
            handle: async (req: Request, res: import('express').Response) =>
              void res.json(
                webhookToWire(await webhooks.find(await ownerOf(req), existingPathId(req.params.webhookId))),
              ),
          },
        }
      : {}),
    put: {
      permission,
      handle: async (req, res) => {
        const body = parseBody(webhookBody, req.body);
        res.json(
          webhookToWire(
            await webhooks.update(await ownerOf(req), existingPathId(req.params.webhookId), defined(body)),
          ),
        );
      },
    },
    patch: {
      permission,
      handle: async (req, res) => {
        const body = parseBody(webhookBody.partial(), req.body);
        res.json(
          webhookToWire(
            await webhooks.update(await ownerOf(req), existingPathId(req.params.webhookId), defined(body)),
          ),
        );
      },
    },
    delete: {
      permission,
      handle: async (req, res) => {
        await webhooks.delete(await ownerOf(req), existingPathId(req.params.webhookId));
        res.status(204).end();
      },
    },
  });
}

/** `/api/v1/organisations/{id}/webhooks/`: organisation admins (and admin master API keys), as in Flagsmith. */
export function organisationWebhookRoutes(deps: {
  webhooks: WebhookService;
  policy: OrganisationPolicy;
}): Router {
  const router = Router();
  crud(router, '/:organisationId/webhooks', {
    webhooks: deps.webhooks,
    permission: deps.policy.permission(rules.admin),
    ownerOf: (req) => {
      const access = deps.policy.accessOf(req);
      return { ownerId: access.organisationId, organisationId: access.organisationId, actor: access.tenant };
    },
    paginated: true,
    retrieve: true,
  });
  return router;
}

/**
 * `/api/v1/environments/{api_key}/webhooks/`, for the environment's admins (its own `admin` grant, or an admin of
 * its project or organisation). Another tenant's key, like an unknown one, is a 404.
 */
export function environmentWebhookRoutes(deps: {
  webhooks: WebhookService;
  environmentPolicy: EnvironmentPolicy;
}): Router {
  const router = Router();
  const resolved = new WeakMap<Request, WebhookOwner>();
  const permission: Permission = {
    name: 'IsEnvironmentAdmin',
    allows: async (principal, req) => {
      const tenant = tenantOf(principal);
      if (!tenant) return false;
      const apiKey = req.params.environmentApiKey;
      if (typeof apiKey !== 'string' || apiKey.length > 200) throw domainErrors.notFound();
      const access = await deps.environmentPolicy.accessTo(tenant, apiKey);
      if (!access) throw domainErrors.notFound();
      resolved.set(req, {
        ownerId: access.environmentId,
        organisationId: access.organisation.organisationId,
        projectId: access.projectId,
        environmentId: access.environmentId,
        actor: tenant,
      });
      return access.isAdmin;
    },
  };
  crud(router, '/:environmentApiKey/webhooks', {
    webhooks: deps.webhooks,
    permission,
    ownerOf: (req) => resolved.get(req) as WebhookOwner,
    paginated: false,
    retrieve: false,
  });
  return router;
}
