import { Model } from 'objection';

export const organisationRoles = ['ADMIN', 'USER'] as const;
export type OrganisationRole = (typeof organisationRoles)[number];

/** `organisations`. Models are bound to a connection per query, never globally. */
export class OrganisationModel extends Model {
  static override tableName = 'organisations';

  id!: number;
  uuid!: string;
  name!: string;
  persist_trait_data!: boolean;
  stop_serving_flags!: boolean;
  restrict_project_create_to_admin!: boolean;
  block_access_to_admin!: boolean;
  feature_analytics!: boolean;
  force_2fa!: boolean;
  webhook_notification_email!: string | null;
  created_date!: Date;
}

/** `user_organisations`: a person's membership and role. */
export class UserOrganisationModel extends Model {
  static override tableName = 'user_organisations';

  id!: number;
  user_id!: number;
  organisation_id!: number;
  role!: OrganisationRole;
  date_joined!: Date;
}

export class SubscriptionModel extends Model {
  static override tableName = 'subscriptions';

  id!: number;
  uuid!: string;
  organisation_id!: number;
  subscription_id!: string | null;
  subscription_date!: Date | null;
  plan!: string | null;
  max_seats!: number;
  max_api_calls!: number;
  cancellation_date!: Date | null;
  customer_id!: string | null;
  billing_status!: string | null;
  payment_method!: string | null;
  notes!: string | null;
}

export class InviteModel extends Model {
  static override tableName = 'invites';

  id!: number;
  uuid!: string;
  hash!: string;
  email!: string;
  organisation_id!: number;
  role!: OrganisationRole;
  invited_by_id!: number | null;
  date_created!: Date;
}

export class InviteLinkModel extends Model {
  static override tableName = 'invite_links';

  id!: number;
  uuid!: string;
  hash!: string;
  organisation_id!: number;
  role!: OrganisationRole;
  expires_at!: Date | null;
  date_created!: Date;
}

export class UserGroupModel extends Model {
  static override tableName = 'user_permission_groups';

  id!: number;
  name!: string;
  organisation_id!: number;
  is_default!: boolean;
  external_id!: string | null;
}

export class GroupMembershipModel extends Model {
  static override tableName = 'user_permission_group_memberships';

  id!: number;
  group_id!: number;
  user_id!: number;
  group_admin!: boolean;
}

/** `master_api_keys`: only the SHA-256 of the secret part is stored. */
export class MasterApiKeyModel extends Model {
  static override tableName = 'master_api_keys';

  id!: number;
  prefix!: string;
  key_hash!: string;
  name!: string;
  organisation_id!: number;
  is_admin!: boolean;
  revoked!: boolean;
  expiry_date!: Date | null;
  created!: Date;
  created_by_id!: number | null;
}
