import type { DataScope, UnitOfWork } from '../data/unit-of-work.js';
import type { UserSummary } from '../users/user-model.js';
import {
  OrganisationModel,
  type OrganisationRole,
  SubscriptionModel,
  UserOrganisationModel,
} from './organisation-models.js';
import { type Tenant, tenantOrganisationIds } from './organisation-policy.js';
import type { PageRequest } from './pagination.js';

export interface OrganisationFields {
  name: string;
  webhook_notification_email?: string | null;
  restrict_project_create_to_admin?: boolean;
  force_2fa?: boolean;
  persist_trait_data?: boolean;
}

/** An organisation as its tenant sees it: with their role, its seat count and its subscription. */
export interface OrganisationView {
  readonly organisation: OrganisationModel;
  readonly role: OrganisationRole | null;
  readonly numSeats: number;
  readonly subscription: SubscriptionModel | undefined;
}

export interface Member extends UserSummary {
  readonly date_joined: Date;
  readonly role: OrganisationRole;
}

/**
 * Organisations, memberships and subscriptions. Every read that could reach another tenant's rows takes
 * the tenant and filters by its organisations (`tenantOrganisationIds`).
 */
export class OrganisationStore {
  #visible(scope: DataScope, tenant: Tenant) {
    // objection's typings want its own builder for a subquery; knex's compiles the same.
    const ids = tenantOrganisationIds(scope.knex, tenant) as unknown as number[];
    return OrganisationModel.query(scope.knex).whereIn('organisations.id', ids);
  }

  async list(
    scope: DataScope,
    tenant: Tenant,
    page: PageRequest,
  ): Promise<{ count: number; rows: OrganisationModel[] }> {
    const counted = (await this.#visible(scope, tenant)
      .count('organisations.id as count')
      .first()) as unknown as {
      count: number;
    };
    const rows = await this.#visible(scope, tenant)
      .orderBy('organisations.id')
      .offset(page.offset)
      .limit(page.pageSize);
    return { count: Number(counted.count), rows };
  }

  async find(scope: DataScope, tenant: Tenant, id: number): Promise<OrganisationModel | undefined> {
    return await this.#visible(scope, tenant).findById(id);
  }

  async findByUuid(scope: DataScope, tenant: Tenant, uuid: string): Promise<OrganisationModel | undefined> {
    return await this.#visible(scope, tenant).where('organisations.uuid', uuid).first();
  }

  /** Role, seats and subscription for organisations already read through the tenant filter. */
  async views(
    scope: DataScope,
    tenant: Tenant,
    organisations: OrganisationModel[],
  ): Promise<OrganisationView[]> {
    const ids = organisations.map((organisation) => organisation.id);
    if (ids.length === 0) return [];
    const seats = (await UserOrganisationModel.query(scope.knex)
      .whereIn('organisation_id', ids)
      .groupBy('organisation_id')
      .select('organisation_id')
      .count('id as seats')) as unknown as { organisation_id: number; seats: number }[];
    const subscriptions = await SubscriptionModel.query(scope.knex).whereIn('organisation_id', ids);
    const roles = new Map<number, OrganisationRole>();
    if (tenant.kind === 'user') {
      const memberships = await UserOrganisationModel.query(scope.knex)
        .where('user_id', tenant.userId)
        .whereIn('organisation_id', ids);
      for (const membership of memberships) roles.set(membership.organisation_id, membership.role);
    }
    return organisations.map((organisation) => ({
      organisation,
      // A master API key is not a member; Flagsmith's APIKeyUser has no organisation role.
      role: tenant.kind === 'user' ? (roles.get(organisation.id) ?? null) : null,
      numSeats: Number(seats.find((row) => row.organisation_id === organisation.id)?.seats ?? 0),
      subscription: subscriptions.find((row) => row.organisation_id === organisation.id),
    }));
  }

  /** Creates the organisation with its free-plan subscription. */
  async create(
    uow: UnitOfWork,
    fields: OrganisationFields & { persist_trait_data: boolean },
  ): Promise<OrganisationModel> {
    const organisation = await OrganisationModel.query(uow.knex).insertAndFetch(fields);
    await SubscriptionModel.query(uow.knex).insert({ organisation_id: organisation.id });
    return organisation;
  }

  /** Writes go through the tenant filter too: a caller that skipped the policy changes nothing foreign. */
  async update(
    uow: UnitOfWork,
    tenant: Tenant,
    id: number,
    patch: Partial<OrganisationFields>,
  ): Promise<OrganisationModel | undefined> {
    if (Object.keys(patch).length > 0)
      await this.#visible(uow, tenant).where('organisations.id', id).patch(patch);
    return await this.find(uow, tenant, id);
  }

  async delete(uow: UnitOfWork, tenant: Tenant, id: number): Promise<boolean> {
    // `returning`: PGlite's driver answers a bare delete with a result object, pg with a count.
    return (
      (await this.#visible(uow, tenant).where('organisations.id', id).delete().returning('id')).length > 0
    );
  }

  async members(scope: DataScope, tenant: Tenant, organisationId: number): Promise<Member[]> {
    return (await scope
      .knex('user_organisations as uo')
      .join('users as u', 'u.id', 'uo.user_id')
      .where('uo.organisation_id', organisationId)
      .whereIn('uo.organisation_id', tenantOrganisationIds(scope.knex, tenant))
      .orderBy('u.id')
      .select(
        'u.id',
        'u.uuid',
        'u.email',
        'u.first_name',
        'u.last_name',
        'u.last_login',
        'u.date_joined',
        'uo.role',
      )) as Member[];
  }

  async membership(
    scope: DataScope,
    organisationId: number,
    userId: number,
  ): Promise<UserOrganisationModel | undefined> {
    return await UserOrganisationModel.query(scope.knex)
      .where({ organisation_id: organisationId, user_id: userId })
      .first();
  }

  async adminCount(scope: DataScope, organisationId: number): Promise<number> {
    const row = (await UserOrganisationModel.query(scope.knex)
      .where({ organisation_id: organisationId, role: 'ADMIN' })
      .count('id as count')
      .first()) as unknown as { count: number };
    return Number(row.count);
  }

  /**
   * Adds a person to the organisation, and to its default groups as Flagsmith does; a person already a
   * member keeps their role. True when they joined now.
   */
  async addMember(
    uow: UnitOfWork,
    organisationId: number,
    userId: number,
    role: OrganisationRole,
  ): Promise<boolean> {
    const inserted = await uow
      .knex('user_organisations')
      .insert({ organisation_id: organisationId, user_id: userId, role })
      .onConflict(['user_id', 'organisation_id'])
      .ignore()
      .returning('id');
    if (inserted.length === 0) return false;
    const defaults = (await uow
      .knex('user_permission_groups')
      .where({ organisation_id: organisationId, is_default: true })
      .select('id')) as { id: number }[];
    if (defaults.length > 0) {
      await uow
        .knex('user_permission_group_memberships')
        .insert(defaults.map((group) => ({ group_id: group.id, user_id: userId })))
        .onConflict(['group_id', 'user_id'])
        .ignore();
    }
    return true;
  }

  async setRole(
    uow: UnitOfWork,
    organisationId: number,
    userId: number,
    role: OrganisationRole,
  ): Promise<void> {
    await UserOrganisationModel.query(uow.knex)
      .where({ organisation_id: organisationId, user_id: userId })
      .patch({ role });
  }

  /** Removes people from the organisation and from every group of it. */
  async removeMembers(uow: UnitOfWork, organisationId: number, userIds: number[]): Promise<void> {
    if (userIds.length === 0) return;
    await uow
      .knex('user_permission_group_memberships')
      .whereIn('user_id', userIds)
      .whereIn(
        'group_id',
        uow.knex('user_permission_groups').select('id').where('organisation_id', organisationId),
      )
      .delete();
    await UserOrganisationModel.query(uow.knex)
      .where('organisation_id', organisationId)
      .whereIn('user_id', userIds)
      .delete();
  }
}
