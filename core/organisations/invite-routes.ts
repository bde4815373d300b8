import { Router } from 'express';
import { z } from 'zod';
import { permissions } from '../auth/permission.js';
import { userOf } from '../auth/principal.js';
import { route } from '../http/routes.js';
import { fields, parseBody } from '../http/validation.js';
import type { InviteService } from './invite-service.js';
import type { InviteLinkWithGroups, InviteWithInviter } from './invite-store.js';
import { idList, optionalDateTime, roleField } from './organisation-fields.js';
import {
  existingPathId,
  existingPathText,
  type OrganisationPolicy,
  organisationRules as rules,
} from './organisation-policy.js';
import { organisationToWire } from './organisation-serializer.js';
import type { OrganisationService } from './organisation-service.js';
import { pageBody, pageRequest } from './pagination.js';

const iso = (date: Date | null) => (date ? date.toISOString() : null);

const inviteBody = z.object({
  email: fields.email(),
  role: roleField().optional(),
  permission_groups: idList().optional(),
});

const multiInvitesBody = z.object({
  invites: z.array(inviteBody, { error: 'Expected a list of items.' }).max(100).optional(),
  emails: z.array(fields.email(), { error: 'Expected a list of items.' }).max(100).optional(),
});

const inviteLinkBody = z.object({
  role: roleField().optional(),
  expires_at: optionalDateTime(),
  permission_groups: idList().optional(),
});

/** InviteSerializerFull: what `invite/` answers for each invite it created. */
function inviteFullToWire({ invite, invitedBy }: InviteWithInviter) {
  return {
    id: invite.id,
    email: invite.email,
    role: invite.role,
    date_created: invite.date_created.toISOString(),
    invited_by: invitedBy
      ? {
          id: invitedBy.id,
          email: invitedBy.email,
          first_name: invitedBy.first_name,
          last_name: invitedBy.last_name,
        }
      : null,
  };
}

/** InviteSerializer: what `invites/` POST answers. */
function inviteToWire({ invite, groupIds }: InviteWithInviter) {
  return {
    id: invite.id,
    email: invite.email,
    role: invite.role,
    date_created: invite.date_created.toISOString(),
    permission_groups: groupIds,
  };
}

/** InviteListSerializer: the list and detail. */
function inviteListToWire({ invite, invitedBy, groupIds }: InviteWithInviter) {
  return {
    id: invite.id,
    email: invite.email,
    date_created: invite.date_created.toISOString(),
    invited_by: invitedBy
      ? {
          id: invitedBy.id,
          email: invitedBy.email,
          first_name: invitedBy.first_name,
          last_name: invitedBy.last_name,
          last_login: iso(invitedBy.last_login),
          uuid: invitedBy.uuid,
        }
      : null,
    permission_groups: groupIds,
  };
}

function inviteLinkToWire({ link, groupIds }: InviteLinkWithGroups) {
  return {
    id: link.id,
    hash: link.hash,
    date_created: link.date_created.toISOString(),
    role: link.role,
    expires_at: iso(link.expires_at),
    permission_groups: groupIds,
  };
}

export interface InviteRoutesDeps {
  readonly invites: InviteService;
  readonly organisations: OrganisationService;
  readonly policy: OrganisationPolicy;
}

/**
 * `organisations/{id}/invite/`, `invites/` and `invite-links/`: organisation admins and holders of
 * MANAGE_USERS ("manage and invite users"). Flagsmith checks MANAGE_USERS on `invite/` but then also wants
 * an admin for the object, and only admins on the nested viewsets; the key's description is honoured here.
 */
export function inviteRoutes({ invites, policy }: InviteRoutesDeps): Router {
  const router = Router();
  const adminOnly = policy.permission(rules.granted('MANAGE_USERS'));

  route(router, '/:organisationId/invite/', {
    post: {
      permission: adminOnly,
      handle: async (req, res) => {
        const body = parseBody(multiInvitesBody, req.body);
        const created = await invites.invite(policy.accessOf(req), {
          invites: body.invites ?? [],
          emails: body.emails ?? [],
        });
        res.status(201).json({ invites: created.map(inviteFullToWire) });
      },
    },
  });

  route(router, '/:organisationId/invites/', {
    get: {
      permission: adminOnly,
      handle: async (req, res) => {
        const page = pageRequest(req);
        const { count, rows } = await invites.listInvites(policy.accessOf(req), page);
        res.json(pageBody(req, page, count, rows.map(inviteListToWire)));
      },
    },
    post: {
      permission: adminOnly,
      handle: async (req, res) => {
        const created = await invites.createInvite(policy.accessOf(req), parseBody(inviteBody, req.body));
        res.status(201).json(inviteToWire(created));
      },
    },
  });

  route(router, '/:organisationId/invites/:inviteId/', {
    get: {
      permission: adminOnly,
      handle: async (req, res) => {
        res.json(
          inviteListToWire(
            await invites.findInvite(policy.accessOf(req), existingPathId(req.params.inviteId)),
          ),
        );
      },
    },
    delete: {
      permission: adminOnly,
      handle: async (req, res) => {
        await invites.deleteInvite(policy.accessOf(req), existingPathId(req.params.inviteId));
        res.status(204).end();
      },
    },
  });

  route(router, '/:organisationId/invites/:inviteId/resend/', {
    post: {
      permission: adminOnly,
      handle: async (req, res) => {
        await invites.resend(policy.accessOf(req), existingPathId(req.params.inviteId));
        res.status(200).end();
      },
    },
  });

  route(router, '/:organisationId/invite-links/', {
    get: {
      permission: adminOnly,
      handle: async (req, res) => {
        res.json((await invites.listLinks(policy.accessOf(req))).map(inviteLinkToWire));
      },
    },
    post: {
      permission: adminOnly,
      handle: async (req, res) => {
        const created = await invites.createLink(policy.accessOf(req), parseBody(inviteLinkBody, req.body));
        res.status(201).json(inviteLinkToWire(created));
      },
    },
  });

  route(router, '/:organisationId/invite-links/:linkId/', {
    delete: {
      permission: adminOnly,
      handle: async (req, res) => {
        await invites.deleteLink(policy.accessOf(req), existingPathId(req.params.linkId));
        res.status(204).end();
      },
    },
  });

  return router;
}

/** `/api/v1/users/join/{hash}/` and `/join/link/{hash}/`: a signed-in person joins; answers the organisation. */
export function joinRoutes({ invites, organisations }: InviteRoutesDeps): Router {
  const router = Router();
  const join = (by: (user: { id: number; email: string }, hash: string) => Promise<number>) => ({
    permission: permissions.isAuthenticatedUser,
    handle: async (req: import('express').Request, res: import('express').Response) => {
      const user = userOf(req.principal);
      const organisationId = await by(user, existingPathText(req.params.hash));
      res.json(
        organisationToWire(await organisations.view({ kind: 'user', userId: user.id }, organisationId)),
      );
    },
  });
  route(router, '/link/:hash/', { post: join((user, hash) => invites.joinByLink(user, hash)) });
  route(router, '/:hash/', { post: join((user, hash) => invites.joinByInvite(user, hash)) });
  return router;
}
