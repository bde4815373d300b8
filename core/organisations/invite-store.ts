import { UniqueViolationError } from 'objection';
import type { DataScope, UnitOfWork } from '../data/unit-of-work.js';
import { ValidationError } from '../errors/domain-error.js';
import type { UserSummary } from '../users/user-model.js';
import { InviteLinkModel, InviteModel, type OrganisationRole } from './organisation-models.js';
import { type Tenant, tenantOrganisationIds } from './organisation-policy.js';
import type { PageRequest } from './pagination.js';
import { randomToken } from './random-token.js';

export interface InviteWithInviter {
  readonly invite: InviteModel;
  readonly groupIds: number[];
  readonly invitedBy: UserSummary | null;
}

export interface InviteLinkWithGroups {
  readonly link: InviteLinkModel;
  readonly groupIds: number[];
}

/** Invites by email and invite links. Reads by id are scoped to the tenant's organisations. */
export class InviteStore {
  #invites(scope: DataScope, tenant: Tenant, organisationId: number) {
    const visible = tenantOrganisationIds(scope.knex, tenant) as unknown as number[];
    return InviteModel.query(scope.knex)
      .where('invites.organisation_id', organisationId)
      .whereIn('invites.organisation_id', visible);
  }

  #links(scope: DataScope, tenant: Tenant, organisationId: number) {
    const visible = tenantOrganisationIds(scope.knex, tenant) as unknown as number[];
    return InviteLinkModel.query(scope.knex)
      .where('invite_links.organisation_id', organisationId)
      .whereIn('invite_links.organisation_id', visible);
  }

  async #groupsOf(scope: DataScope, table: string, ids: number[]): Promise<Map<number, number[]>> {
    const groups = new Map<number, number[]>();
    if (ids.length === 0) return groups;
    const rows = (await scope
      .knex(table)
      .whereIn('invite_id', ids)
      .orderBy('group_id')
      .select('invite_id', 'group_id')) as {
      invite_id: number;
      group_id: number;
    }[];
    for (const row of rows) groups.set(row.invite_id, [...(groups.get(row.invite_id) ?? []), row.group_id]);
    return groups;
  }

  async #withInviters(scope: DataScope, invites: InviteModel[]): Promise<InviteWithInviter[]> {
    const inviterIds = [
      ...new Set(invites.map((invite) => invite.invited_by_id).filter((id): id is number => id !== null)),
    ];
    const inviters =
      inviterIds.length === 0
        ? []
        : ((await scope
            .knex('users')
            .whereIn('id', inviterIds)
            .select('id', 'email', 'first_name', 'last_name', 'last_login', 'uuid')) as NonNullable<
            InviteWithInviter['invitedBy']
          >[]);
    const groups = await this.#groupsOf(
      scope,
      'invite_permission_groups',
      invites.map((invite) => invite.id),
    );
    return invites.map((invite) => ({
      invite,
      groupIds: groups.get(invite.id) ?? [],
      invitedBy: inviters.find((inviter) => inviter.id === invite.invited_by_id) ?? null,
    }));
  }

  async listInvites(
    scope: DataScope,
    tenant: Tenant,
    organisationId: number,
    page: PageRequest,
  ): Promise<{ count: number; rows: InviteWithInviter[] }> {
    const counted = (await this.#invites(scope, tenant, organisationId)
      .count('id as count')
      .first()) as unknown as { count: number };
    const rows = await this.#invites(scope, tenant, organisationId)
      .orderBy('id')
      .offset(page.offset)
      .limit(page.pageSize);
    return { count: Number(counted.count), rows: await this.#withInviters(scope, rows) };
  }

  async findInvite(
    scope: DataScope,
    tenant: Tenant,
    organisationId: number,
    id: number,
  ): Promise<InviteWithInviter | undefined> {
    const invite = await this.#invites(scope, tenant, organisationId).findById(id);
    return invite ? (await this.#withInviters(scope, [invite]))[0] : undefined;
  }

  async deleteInvite(uow: UnitOfWork, tenant: Tenant, organisationId: number, id: number): Promise<boolean> {
    // `returning`: PGlite's driver answers a bare delete with a result object, pg with a count.
    return (
      (await this.#invites(uow, tenant, organisationId).where('id', id).delete().returning('id')).length > 0
    );
  }

  async createInvite(
    uow: UnitOfWork,
    invite: {
      organisationId: number;
      email: string;
      role: OrganisationRole;
      invitedById: number | null;
      groupIds: number[];
    },
  ): Promise<InviteWithInviter> {
    let created: InviteModel;
    try {
      created = await InviteModel.query(uow.knex).insertAndFetch({
        organisation_id: invite.organisationId,
        email: invite.email,
        role: invite.role,
        invited_by_id: invite.invitedById,
        hash: randomToken(22),
      });
    } catch (error) {
      if (!(error instanceof UniqueViolationError)) throw error;
      throw ValidationError.field('email', `Invite for email ${invite.email} already exists`);
    }
    if (invite.groupIds.length > 0) {
      await uow
        .knex('invite_permission_groups')
        .insert(invite.groupIds.map((group_id) => ({ invite_id: created.id, group_id })));
    }
    return (await this.#withInviters(uow, [created]))[0] as InviteWithInviter;
  }

  async pendingInviteExists(scope: DataScope, organisationId: number, email: string): Promise<boolean> {
    return (
      (await InviteModel.query(scope.knex)
        .where('organisation_id', organisationId)
        .whereRaw('lower(email) = lower(?)', [email])
        .first()) !== undefined
    );
  }

  /** For joining and for sign-up: an invite is found by its secret hash alone. */
  async inviteByHash(scope: DataScope, hash: string): Promise<InviteWithInviter | undefined> {
    const invite = await InviteModel.query(scope.knex).where('hash', hash).first();
    return invite ? (await this.#withInviters(scope, [invite]))[0] : undefined;
  }

  async anyInviteFor(scope: DataScope, email: string): Promise<InviteModel[]> {
    return await InviteModel.query(scope.knex).whereRaw('lower(email) = lower(?)', [email]);
  }

  async deleteInviteById(uow: UnitOfWork, id: number): Promise<void> {
    await InviteModel.query(uow.knex).deleteById(id);
  }

  async listLinks(scope: DataScope, tenant: Tenant, organisationId: number): Promise<InviteLinkWithGroups[]> {
    const links = await this.#links(scope, tenant, organisationId).orderBy('id');
    const groups = await this.#groupsOf(
      scope,
      'invite_link_permission_groups',
      links.map((link) => link.id),
    );
    return links.map((link) => ({ link, groupIds: groups.get(link.id) ?? [] }));
  }

  async createLink(
    uow: UnitOfWork,
    link: { organisationId: number; role: OrganisationRole; expiresAt: Date | null; groupIds: number[] },
  ): Promise<InviteLinkWithGroups> {
    const created = await InviteLinkModel.query(uow.knex).insertAndFetch({
      organisation_id: link.organisationId,
      role: link.role,
      expires_at: link.expiresAt,
      hash: randomToken(22),
    });
    if (link.groupIds.length > 0) {
      await uow
        .knex('invite_link_permission_groups')
        .insert(link.groupIds.map((group_id) => ({ invite_id: created.id, group_id })));
    }
    return { link: created, groupIds: link.groupIds };
  }

  async deleteLink(uow: UnitOfWork, tenant: Tenant, organisationId: number, id: number): Promise<boolean> {
    return (
      (await this.#links(uow, tenant, organisationId).where('id', id).delete().returning('id')).length > 0
    );
  }

  async linkByHash(scope: DataScope, hash: string): Promise<InviteLinkWithGroups | undefined> {
    const link = await InviteLinkModel.query(scope.knex).where('hash', hash).first();
    if (!link) return undefined;
    const groups = await this.#groupsOf(scope, 'invite_link_permission_groups', [link.id]);
    return { link, groupIds: groups.get(link.id) ?? [] };
  }

  /** The ids among `groupIds` that are groups of the organisation (the rest are unknown to its admins). */
  async groupsOfOrganisation(
    scope: DataScope,
    organisationId: number,
    groupIds: number[],
  ): Promise<number[]> {
    if (groupIds.length === 0) return [];
    const rows = (await scope
      .knex('user_permission_groups')
      .where('organisation_id', organisationId)
      .whereIn('id', groupIds)
      .select('id')) as { id: number }[];
    return rows.map((row) => row.id);
  }

  async addToGroups(uow: UnitOfWork, userId: number, groupIds: number[]): Promise<void> {
    if (groupIds.length === 0) return;
    await uow
      .knex('user_permission_group_memberships')
      .insert(groupIds.map((group_id) => ({ group_id, user_id: userId })))
      .onConflict(['group_id', 'user_id'])
      .ignore();
  }
}
