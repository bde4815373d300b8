import { Router } from 'express';
import { z } from 'zod';
import { route } from '../http/routes.js';
import { fields, parseBody } from '../http/validation.js';
import type { GroupService } from './group-service.js';
import type { GroupWithMembers } from './group-store.js';
import { idList } from './organisation-fields.js';
import {
  existingPathId,
  type OrganisationPolicy,
  organisationRules as rules,
} from './organisation-policy.js';
import { pageBody, pageRequest } from './pagination.js';

const groupBody = z.object({
  name: fields.string({ max: 200 }),
  is_default: fields.boolean().optional(),
  external_id: fields.string({ max: 255 }).nullable().optional(),
});

const userIdsBody = z.object({ user_ids: idList() });

/** ListUserPermissionGroupSerializer and its detail twin (the same fields). */
function groupToWire({ group, members }: GroupWithMembers) {
  return {
    id: group.id,
    name: group.name,
    users: members.map((member) => ({
      id: member.id,
      email: member.email,
      first_name: member.first_name,
      last_name: member.last_name,
      last_login: member.last_login ? member.last_login.toISOString() : null,
      group_admin: member.group_admin,
    })),
    is_default: group.is_default,
    external_id: group.external_id,
  };
}

function defined(body: object) {
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined)) as {
    name?: string;
    is_default?: boolean;
    external_id?: string | null;
  };
}

/** `organisations/{id}/groups/…`, Flagsmith's UserPermissionGroupViewSet. */
export function groupRoutes({
  groups,
  policy,
}: {
  groups: GroupService;
  policy: OrganisationPolicy;
}): Router {
  const router = Router();
  const member = policy.permission(rules.member);
  const manageGroups = policy.permission(rules.granted('MANAGE_USER_GROUPS'));
  const groupAdmin = policy.permission(rules.groupManager('groupId'));

  route(router, '/:organisationId/groups/', {
    get: {
      permission: member,
      handle: async (req, res) => {
        const page = pageRequest(req);
        const seeAll = await policy.holds(req, 'MANAGE_USER_GROUPS');
        const { count, rows } = await groups.list(policy.accessOf(req), page, seeAll);
        res.json(pageBody(req, page, count, rows.map(groupToWire)));
      },
    },
    post: {
      permission: manageGroups,
      handle: async (req, res) => {
        const body = parseBody(groupBody, req.body);
        res
          .status(201)
          .json(
            groupToWire(await groups.create(policy.accessOf(req), { ...defined(body), name: body.name })),
          );
      },
    },
  });

  route(router, '/:organisationId/groups/summaries/', {
    get: {
      permission: member,
      handle: async (req, res) => void res.json(await groups.summaries(policy.accessOf(req))),
    },
  });

  route(router, '/:organisationId/groups/my-groups/', {
    get: {
      permission: member,
      handle: async (req, res) => void res.json(await groups.myGroups(policy.accessOf(req))),
    },
  });

  route(router, '/:organisationId/groups/:groupId/', {
    get: {
      permission: groupAdmin,
      handle: async (req, res) =>
        void res.json(
          groupToWire(await groups.find(policy.accessOf(req), existingPathId(req.params.groupId))),
        ),
    },
    put: {
      permission: groupAdmin,
      handle: async (req, res) => {
        const body = parseBody(groupBody, req.body);
        res.json(
          groupToWire(
            await groups.update(policy.accessOf(req), existingPathId(req.params.groupId), defined(body)),
          ),
        );
      },
    },
    patch: {
      permission: groupAdmin,
      handle: async (req, res) => {
        const body = parseBody(groupBody.partial(), req.body);
        res.json(
          groupToWire(
            await groups.update(policy.accessOf(req), existingPathId(req.params.groupId), defined(body)),
          ),
        );
      },
    },
    delete: {
      permission: manageGroups,
      handle: async (req, res) => {
        await groups.delete(policy.accessOf(req), existingPathId(req.params.groupId));
        res.status(204).end();
      },
    },
  });

  for (const [action, add] of [
    ['add-users', true],
    ['remove-users', false],
  ] as const) {
    route(router, `/:organisationId/groups/:groupId/${action}/`, {
      post: {
        permission: groupAdmin,
        handle: async (req, res) => {
          const { user_ids } = parseBody(userIdsBody, req.body);
          const access = policy.accessOf(req);
          const groupId = existingPathId(req.params.groupId);
          const updated = add
            ? await groups.addUsers(access, groupId, user_ids)
            : await groups.removeUsers(access, groupId, user_ids);
          res.json(groupToWire(updated));
        },
      },
    });
  }

  for (const [action, groupAdminFlag] of [
    ['make-admin', true],
    ['remove-admin', false],
  ] as const) {
    route(router, `/:organisationId/groups/:groupId/users/:userId/${action}/`, {
      post: {
        permission: manageGroups,
        handle: async (req, res) => {
          await groups.setGroupAdmin(
            policy.accessOf(req),
            existingPathId(req.params.groupId),
            existingPathId(req.params.userId),
            groupAdminFlag,
          );
          res.status(200).end();
        },
      },
    });
  }

  return router;
}
