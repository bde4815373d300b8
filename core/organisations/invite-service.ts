import type { AuditLog } from '../audit/audit-log.js';
import type { Transactor, UnitOfWork } from '../data/unit-of-work.js';
import { DomainError, domainErrors, ErrorCode, ValidationError } from '../errors/domain-error.js';
import type { InviteLinkWithGroups, InviteStore, InviteWithInviter } from './invite-store.js';
import type { OrganisationRole } from './organisation-models.js';
import type { OrganisationAccess } from './organisation-policy.js';
import type { OrganisationStore } from './organisation-store.js';
import type { PageRequest } from './pagination.js';

export interface NewInvite {
  email: string;
  role?: OrganisationRole | undefined;
  permission_groups?: number[] | undefined;
}

/** What sign-up tells the invite checker (`sign_up_type` and `invite_hash` as Flagsmith's front end sends them). */
export interface InviteCheck {
  readonly email: string;
  readonly signUpType: string | null | undefined;
  readonly inviteHash: string | undefined;
}

// Flagsmith's messages.
const messages = {
  emailMismatch: 'Registration email does not match invite email',
  expired: 'Invite has expired',
  duplicate: (email: string) => `Invite for email ${email} already exists`,
  unknownGroup: (id: number) => `Invalid pk "${id}" - object does not exist.`,
  linksDisabled: 'Invite links are disabled.',
};

/** Email invites, invite links, joining by either, and the sign-up gate they open. */
export class InviteService {
  constructor(
    private readonly transactor: Transactor,
    private readonly store: InviteStore,
    private readonly organisations: OrganisationStore,
    private readonly audit: AuditLog,
    private readonly settings: { readonly disableInviteLinks: boolean },
  ) {}

  async #checkGroups(
    uow: UnitOfWork,
    organisationId: number,
    groupIds: number[],
    field: string,
  ): Promise<number[]> {
    const unique = [...new Set(groupIds)];
    const known = new Set(await this.store.groupsOfOrganisation(uow, organisationId, unique));
    const unknown = unique.filter((id) => !known.has(id));
    if (unknown.length > 0) throw ValidationError.field(field, messages.unknownGroup(unknown[0] as number));
    return unique;
  }

  async #create(
    uow: UnitOfWork,
    access: OrganisationAccess,
    input: NewInvite,
    field: string,
  ): Promise<InviteWithInviter> {
    const email = input.email.toLowerCase();
    if (await this.store.pendingInviteExists(uow, access.organisationId, email)) {
      throw ValidationError.field(field, messages.duplicate(email));
    }
    const groupIds = await this.#checkGroups(
      uow,
      access.organisationId,
      input.permission_groups ?? [],
      'permission_groups',
    );
    const created = await this.store.createInvite(uow, {
      organisationId: access.organisationId,
      email,
      role: input.role ?? 'USER',
      invitedById: access.userId ?? null,
      groupIds,
    });
    await this.audit.record(uow, {
      organisationId: access.organisationId,
      actor: access.tenant,
      relatedObjectType: 'INVITE',
      relatedObjectId: created.invite.id,
      log: `New Invite created: ${created.invite.email} (${created.invite.role})`,
    });
    await this.#announce(uow, access, created);
    return created;
  }

  /** Queues the event an email plugin sends the invitation on (after commit). */
  async #announce(uow: UnitOfWork, access: OrganisationAccess, created: InviteWithInviter): Promise<void> {
    const organisation = await this.organisations.find(uow, access.tenant, access.organisationId);
    const { invite, invitedBy } = created;
    uow.emit('organisation.inviteCreated', {
      inviteId: invite.id,
      organisationId: invite.organisation_id,
      organisationName: organisation?.name ?? '',
      email: invite.email,
      role: invite.role,
      invitedBy: invitedBy
        ? {
            userId: invitedBy.id,
            email: invitedBy.email,
            firstName: invitedBy.first_name,
            lastName: invitedBy.last_name,
          }
        : null,
      invitePath: `/invite/${invite.hash}`,
    });
  }

  /** `invites/{id}/resend/`: the same invitation, announced again for the email plugin. */
  async resend(access: OrganisationAccess, id: number): Promise<void> {
    await this.transactor.run(async (uow) => {
      const found = await this.store.findInvite(uow, access.tenant, access.organisationId, id);
      if (!found) throw domainErrors.notFound();
      await this.#announce(uow, access, found);
    });
  }

  /** `organisations/{id}/invite/`: several at once; `emails` (a plain list) invites as USER, as Flagsmith keeps for old clients. */
  invite(
    access: OrganisationAccess,
    input: { invites: NewInvite[]; emails: string[] },
  ): Promise<InviteWithInviter[]> {
    const all = [
      ...input.invites.map((invite) => ({ invite, field: 'invites' })),
      ...input.emails.map((email) => ({ invite: { email, role: 'USER' as const }, field: 'emails' })),
    ];
    const seen = new Set<string>();
    for (const { invite, field } of all) {
      const email = invite.email.toLowerCase();
      if (seen.has(email)) throw ValidationError.field(field, messages.duplicate(email));
      seen.add(email);
    }
    return this.transactor.run(async (uow) => {
      const created: InviteWithInviter[] = [];
      for (const { invite, field } of all) created.push(await this.#create(uow, access, invite, field));
      return created;
    });
  }

  /** `organisations/{id}/invites/` POST: one invite. */
  createInvite(access: OrganisationAccess, input: NewInvite): Promise<InviteWithInviter> {
    return this.transactor.run((uow) => this.#create(uow, access, input, 'email'));
  }

  listInvites(access: OrganisationAccess, page: PageRequest) {
    return this.store.listInvites(this.transactor.reads, access.tenant, access.organisationId, page);
  }

  async findInvite(access: OrganisationAccess, id: number): Promise<InviteWithInviter> {
    const found = await this.store.findInvite(
      this.transactor.reads,
      access.tenant,
      access.organisationId,
      id,
    );
    if (!found) throw domainErrors.notFound();
    return found;
  }

  async deleteInvite(access: OrganisationAccess, id: number): Promise<void> {
    const deleted = await this.transactor.run(async (uow) => {
      const found = await this.store.findInvite(uow, access.tenant, access.organisationId, id);
      if (!found || !(await this.store.deleteInvite(uow, access.tenant, access.organisationId, id)))
        return false;
      await this.audit.record(uow, {
        organisationId: access.organisationId,
        actor: access.tenant,
        relatedObjectType: 'INVITE',
        relatedObjectId: id,
        log: `Invite deleted: ${found.invite.email}`,
      });
      return true;
    });
    if (!deleted) throw domainErrors.notFound();
  }

  listLinks(access: OrganisationAccess): Promise<InviteLinkWithGroups[]> {
    return this.store.listLinks(this.transactor.reads, access.tenant, access.organisationId);
  }

  createLink(
    access: OrganisationAccess,
    input: {
      role?: OrganisationRole | undefined;
      expires_at?: Date | null | undefined;
      permission_groups?: number[] | undefined;
    },
  ): Promise<InviteLinkWithGroups> {
    // Flagsmith refuses the creation itself (InviteLinksDisabledError, a 400), not the route.
    if (this.settings.disableInviteLinks) {
      throw new DomainError(ErrorCode.inviteLinksDisabled, messages.linksDisabled);
    }
    return this.transactor.run(async (uow) => {
      const groupIds = await this.#checkGroups(
        uow,
        access.organisationId,
        input.permission_groups ?? [],
        'permission_groups',
      );
      const created = await this.store.createLink(uow, {
        organisationId: access.organisationId,
        role: input.role ?? 'USER',
        expiresAt: input.expires_at ?? null,
        groupIds,
      });
      await this.audit.record(uow, {
        organisationId: access.organisationId,
        actor: access.tenant,
        relatedObjectType: 'INVITE_LINK',
        relatedObjectId: created.link.id,
        log: `New Invite Link created (${created.link.role})`,
      });
      return created;
    });
  }

  async deleteLink(access: OrganisationAccess, id: number): Promise<void> {
    const deleted = await this.transactor.run(async (uow) => {
      if (!(await this.store.deleteLink(uow, access.tenant, access.organisationId, id))) return false;
      await this.audit.record(uow, {
        organisationId: access.organisationId,
        actor: access.tenant,
        relatedObjectType: 'INVITE_LINK',
        relatedObjectId: id,
        log: 'Invite Link deleted',
      });
      return true;
    });
    if (!deleted) throw domainErrors.notFound();
  }

  /**
   * `users/join/{hash}/`: the invite is for the signed-in person's email; they join with its role and groups
   * and the invite is used up. Returns the organisation's id.
   */
  async joinByInvite(user: { id: number; email: string }, hash: string): Promise<number> {
    return this.transactor.run(async (uow) => {
      const found = await this.store.inviteByHash(uow, hash);
      if (!found) throw domainErrors.notFound();
      const { invite, groupIds } = found;
      if (invite.email.toLowerCase() !== user.email.toLowerCase()) {
        throw new DomainError(ErrorCode.inviteInvalid, messages.emailMismatch);
      }
      if (await this.organisations.addMember(uow, invite.organisation_id, user.id, invite.role))
        await this.#recordJoin(uow, invite.organisation_id, user, invite.role, 'an invite');
      await this.store.addToGroups(uow, user.id, groupIds);
      await this.store.deleteInviteById(uow, invite.id);
      return invite.organisation_id;
    });
  }

  async #recordJoin(
    uow: UnitOfWork,
    organisationId: number,
    user: { id: number },
    role: OrganisationRole,
    through: string,
  ): Promise<void> {
    const row = (await uow.knex('users').where('id', user.id).first('email', 'uuid')) as
      | { email: string; uuid: string }
      | undefined;
    await this.audit.record(uow, {
      organisationId,
      actor: { kind: 'user', userId: user.id },
      relatedObjectType: 'USER',
      relatedObjectId: user.id,
      relatedObjectUuid: row?.uuid ?? null,
      log: `User joined organisation by ${through}: ${row?.email ?? user.id} (${role})`,
    });
  }

  /** `users/join/link/{hash}/`: anyone signed in with the link joins, until it expires. */
  async joinByLink(user: { id: number }, hash: string): Promise<number> {
    // Before the hash is looked up, as Flagsmith does: a disabled link answers alike whether or not it exists.
    if (this.settings.disableInviteLinks) throw domainErrors.permissionDenied(messages.linksDisabled);
    return this.transactor.run(async (uow) => {
      const found = await this.store.linkByHash(uow, hash);
      if (!found) throw domainErrors.notFound();
      const { link, groupIds } = found;
      if (link.expires_at && link.expires_at.getTime() <= Date.now()) {
        throw new DomainError(ErrorCode.inviteInvalid, messages.expired);
      }
      if (await this.organisations.addMember(uow, link.organisation_id, user.id, link.role))
        await this.#recordJoin(uow, link.organisation_id, user, link.role, 'an invite link');
      await this.store.addToGroups(uow, user.id, groupIds);
      return link.organisation_id;
    });
  }

  /**
   * The sign-up gate with ALLOW_REGISTRATION_WITHOUT_INVITE=false. Stricter than Flagsmith, which lets
   * any `sign_up_type: INVITE_LINK` through: a link sign-up needs the hash of a live link, an email sign-up
   * an invite for that email (and, when a hash is sent, that very invite).
   */
  readonly checkRegistration = async (check: InviteCheck): Promise<boolean> => {
    const reads = this.transactor.reads;
    if (check.signUpType === 'INVITE_LINK') {
      // A link that cannot be used to join opens no sign-up either (Flagsmith would create an account that
      // then cannot join).
      if (!check.inviteHash || this.settings.disableInviteLinks) return false;
      const found = await this.store.linkByHash(reads, check.inviteHash);
      return (
        found !== undefined &&
        (found.link.expires_at === null || found.link.expires_at.getTime() > Date.now())
      );
    }
    const invites = await this.store.anyInviteFor(reads, check.email);
    if (check.inviteHash) return invites.some((invite) => invite.hash === check.inviteHash);
    return invites.length > 0;
  };
}
