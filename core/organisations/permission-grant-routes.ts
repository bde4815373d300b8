import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import type { Permission } from '../auth/permission.js';
import { route } from '../http/routes.js';
import { fields, parseBody } from '../http/validation.js';
import { idField } from './organisation-fields.js';
import { existingPathId, pathId } from './organisation-policy.js';
import type { Grantee, GrantRow, GrantScope, PermissionGrants } from './permission-grants.js';

const keys = z
  .array(z.string({ error: 'Not a valid string.' }), { error: 'Expected a list of items.' })
  .max(100);

/** `?user=` / `?group=`: a filter that is not an id matches nothing rather than failing. */
function filterOf(req: Request, name: string): number | undefined | null {
  const value = req.query[name];
  if (value === undefined || value === '') return undefined;
  return pathId(value) ?? null;
}

export interface GrantRoutesOptions {
  /** E.g. `/:organisationId` or `/:projectId`. */
  readonly prefix: string;
  readonly permission: Permission;
  /** The object and organisation the permission resolved for this request. */
  scopeOf(req: Request): GrantScope;
  readonly grants: PermissionGrants;
  readonly supportsAdmin: boolean;
}

/**
 * `<prefix>/user-permissions/` and `<prefix>/user-group-permissions/` with their `{id}/`, as Flagsmith's
 * permission viewsets of every level answer them: lists with the person (UserListSerializer) or the group
 * (UserPermissionGroupSerializer), writes with the grantee's id.
 */
export function grantRoutes(router: Router, options: GrantRoutesOptions): void {
  const { prefix, permission, scopeOf, grants, supportsAdmin } = options;
  const admin = supportsAdmin ? { admin: fields.boolean().optional() } : {};

  for (const [path, grantee] of [
    ['user-permissions', 'user'],
    ['user-group-permissions', 'group'],
  ] as const satisfies readonly (readonly [string, Grantee])[]) {
    const createBody = z.object({
      [grantee]: idField(),
      permissions: keys.optional(),
      ...admin,
    }) as z.ZodType<{
      permissions?: string[];
      admin?: boolean;
      [key: string]: unknown;
    }>;
    const updateBody = z.object({ permissions: keys.optional(), ...admin }) as z.ZodType<{
      permissions?: string[];
      admin?: boolean;
    }>;
    const written = (row: GrantRow) => ({
      id: row.id,
      [grantee]: grantee === 'user' ? row.user_id : row.group_id,
      permissions: row.permissions,
      ...(supportsAdmin ? { admin: row.admin === true } : {}),
    });
    const listed = async (where: GrantScope, rows: GrantRow[]) => {
      const ids = rows.map((row) => (grantee === 'user' ? row.user_id : row.group_id) as number);
      const grantees: { id: number }[] =
        grantee === 'user'
          ? await grants.usersById(where.organisationId, ids)
          : await grants.groupsById(where.organisationId, ids);
      return rows.map((row) => ({
        ...written(row),
        [grantee]:
          grantees.find((candidate) => candidate.id === (grantee === 'user' ? row.user_id : row.group_id)) ??
          null,
      }));
    };

    route(router, `${prefix}/${path}/`, {
      get: {
        permission,
        handle: async (req, res) => {
          const where = scopeOf(req);
          const filter = filterOf(req, grantee);
          const rows = filter === null ? [] : await grants.list(where, grantee, filter);
          res.json(await listed(where, rows));
        },
      },
      post: {
        permission,
        handle: async (req, res) => {
          const body = parseBody(createBody, req.body);
          const fieldsToGrant = {
            permissions: body.permissions ?? [],
            ...(body.admin === undefined ? {} : { admin: body.admin }),
          };
          const row = await grants.create(scopeOf(req), grantee, body[grantee] as number, fieldsToGrant);
          res.status(201).json(written(row));
        },
      },
    });

    const update = {
      permission,
      handle: async (req: Request, res: Response) => {
        const body = parseBody(updateBody, req.body);
        const changes = {
          ...(body.permissions === undefined ? {} : { permissions: body.permissions }),
          ...(body.admin === undefined ? {} : { admin: body.admin }),
        };
        res.json(
          written(await grants.update(scopeOf(req), grantee, existingPathId(req.params.grantId), changes)),
        );
      },
    };
    route(router, `${prefix}/${path}/:grantId/`, {
      get: {
        permission,
        handle: async (req, res) =>
          void res.json(
            written(await grants.find(scopeOf(req), grantee, existingPathId(req.params.grantId))),
          ),
      },
      put: update,
      patch: update,
      delete: {
        permission,
        handle: async (req, res) => {
          await grants.delete(scopeOf(req), grantee, existingPathId(req.params.grantId));
          res.status(204).end();
        },
      },
    });
  }
}
