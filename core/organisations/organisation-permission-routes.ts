import type { Request } from 'express';
import { Router } from 'express';
import { z } from 'zod';
import { domainErrors } from '../errors/domain-error.js';
import { route } from '../http/routes.js';
import { parseBody } from '../http/validation.js';
import { idField } from './organisation-fields.js';
import type { OrganisationPermissionService } from './organisation-permission-service.js';
import type { Grantee, GrantRow } from './organisation-permission-store.js';
import { type OrganisationPolicy, pathId, organisationRules as rules } from './organisation-policy.js';

const keys = z
  .array(z.string({ error: 'Not a valid string.' }), { error: 'Expected a list of items.' })
  .max(100);

function param(req: Request, name: string): number {
  const id = pathId(req.params[name]);
  if (id === undefined) throw domainErrors.notFound();
  return id;
}

/** `?user=` / `?group=`: a filter that is not an id matches nothing rather than failing. */
function filterOf(req: Request, name: string): number | undefined | null {
  const value = req.query[name];
  if (value === undefined || value === '') return undefined;
  return pathId(value) ?? null;
}

interface Deps {
  readonly grants: OrganisationPermissionService;
  readonly policy: OrganisationPolicy;
}

/**
 * `organisations/{id}/user-permissions/` and `user-group-permissions/` (organisation admins), Flagsmith's
 * UserOrganisationPermission and UserPermissionGroupOrganisationPermission viewsets.
 */
export function organisationPermissionRoutes({ grants, policy }: Deps): Router {
  const router = Router();
  const admin = policy.permission(rules.admin);

  const mount = (
    path: string,
    grantee: Grantee,
    wire: (req: Request, rows: GrantRow[]) => Promise<unknown[]>,
  ) => {
    const body = z.object({ [grantee]: idField(), permissions: keys.optional() }) as z.ZodType<
      Record<string, unknown>
    >;
    const updateBody = z.object({ permissions: keys });
    const created = (row: GrantRow) => ({
      id: row.id,
      [grantee]: grantee === 'user' ? row.user_id : row.group_id,
      permissions: row.permissions,
    });

    route(router, `/:organisationId/${path}/`, {
      get: {
        permission: admin,
        handle: async (req, res) => {
          const filter = filterOf(req, grantee);
          const rows = filter === null ? [] : await grants.list(policy.accessOf(req), grantee, filter);
          res.json(await wire(req, rows));
        },
      },
      post: {
        permission: admin,
        handle: async (req, res) => {
          const parsed = parseBody(body, req.body);
          const row = await grants.create(
            policy.accessOf(req),
            grantee,
            parsed[grantee] as number,
            (parsed.permissions as string[] | undefined) ?? [],
          );
          res.status(201).json(created(row));
        },
      },
    });

    const update = {
      permission: admin,
      handle: async (req: Request, res: import('express').Response) => {
        const { permissions } = parseBody(updateBody, req.body);
        res.json(
          created(await grants.update(policy.accessOf(req), grantee, param(req, 'grantId'), permissions)),
        );
      },
    };
    route(router, `/:organisationId/${path}/:grantId/`, {
      get: {
        permission: admin,
        handle: async (req, res) =>
          void res.json(created(await grants.find(policy.accessOf(req), grantee, param(req, 'grantId')))),
      },
      put: update,
      patch: update,
      delete: {
        permission: admin,
        handle: async (req, res) => {
          await grants.delete(policy.accessOf(req), grantee, param(req, 'grantId'));
          res.status(204).end();
        },
      },
    });
  };

  mount('user-permissions', 'user', async (req, rows) => {
    const access = policy.accessOf(req);
    const ids = rows.map((row) => row.user_id as number);
    const users = ids.length === 0 ? [] : await grants.usersById(access, ids);
    return rows.map((row) => ({
      id: row.id,
      user: users.find((user) => user.id === row.user_id) ?? null,
      permissions: row.permissions,
    }));
  });
  mount('user-group-permissions', 'group', async (req, rows) => {
    const access = policy.accessOf(req);
    const ids = rows.map((row) => row.group_id as number);
    const groups = ids.length === 0 ? [] : await grants.groupsById(access, ids);
    return rows.map((row) => ({
      id: row.id,
      group: groups.find((group) => group.id === row.group_id) ?? null,
      permissions: row.permissions,
    }));
  });

  return router;
}
