import { Router } from 'express';
import { z } from 'zod';
import { route } from '../http/routes.js';
import { fields, parseBody } from '../http/validation.js';
import type { MasterApiKeyService } from './master-api-key-service.js';
import { optionalDateTime } from './organisation-fields.js';
import type { MasterApiKeyModel } from './organisation-models.js';
import {
  existingPathText,
  type OrganisationPolicy,
  organisationRules as rules,
} from './organisation-policy.js';
import { pageBody, pageRequest } from './pagination.js';

const keyBody = z.object({
  name: fields.string({ max: 50 }),
  is_admin: fields.boolean().optional(),
  expiry_date: optionalDateTime(),
  revoked: fields.boolean().optional(),
});

/** Flagsmith's MasterAPIKeySerializer; `key` is only ever present in the creation response. */
function keyToWire(row: MasterApiKeyModel, key?: string) {
  return {
    id: String(row.id),
    prefix: row.prefix,
    created: row.created.toISOString(),
    name: row.name,
    revoked: row.revoked,
    expiry_date: row.expiry_date ? row.expiry_date.toISOString() : null,
    key: key ?? null,
    is_admin: row.is_admin,
    has_expired: row.expiry_date !== null && row.expiry_date.getTime() <= Date.now(),
    created_by: row.created_by_id,
  };
}

function changes(body: object) {
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined)) as {
    name?: string;
    is_admin?: boolean;
    expiry_date?: Date | null;
    revoked?: boolean;
  };
}

/** `organisations/{id}/master-api-keys/`, by prefix: organisation admins, signed in as themselves (no key manages keys). */
export function masterApiKeyRoutes({
  keys,
  policy,
}: {
  keys: MasterApiKeyService;
  policy: OrganisationPolicy;
}): Router {
  const router = Router();
  const permission = policy.permission(rules.adminPerson);

  route(router, '/:organisationId/master-api-keys/', {
    get: {
      permission,
      handle: async (req, res) => {
        const page = pageRequest(req);
        const { count, rows } = await keys.list(policy.accessOf(req), page);
        res.json(
          pageBody(
            req,
            page,
            count,
            rows.map((row) => keyToWire(row)),
          ),
        );
      },
    },
    post: {
      permission,
      handle: async (req, res) => {
        const body = parseBody(keyBody, req.body);
        const { row, key } = await keys.create(policy.accessOf(req), {
          name: body.name,
          is_admin: body.is_admin ?? true,
          expiry_date: body.expiry_date ?? null,
          revoked: body.revoked ?? false,
        });
        res.status(201).json(keyToWire(row, key));
      },
    },
  });

  route(router, '/:organisationId/master-api-keys/:prefix/', {
    get: {
      permission,
      handle: async (req, res) => {
        res.json(keyToWire(await keys.find(policy.accessOf(req), existingPathText(req.params.prefix))));
      },
    },
    put: {
      permission,
      handle: async (req, res) => {
        const body = parseBody(keyBody, req.body);
        res.json(
          keyToWire(
            await keys.update(policy.accessOf(req), existingPathText(req.params.prefix), changes(body)),
          ),
        );
      },
    },
    patch: {
      permission,
      handle: async (req, res) => {
        const body = parseBody(keyBody.partial(), req.body);
        res.json(
          keyToWire(
            await keys.update(policy.accessOf(req), existingPathText(req.params.prefix), changes(body)),
          ),
        );
      },
    },
    delete: {
      permission,
      handle: async (req, res) => {
        await keys.delete(policy.accessOf(req), existingPathText(req.params.prefix));
        res.status(204).end();
      },
    },
  });

  return router;
}
