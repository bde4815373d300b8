import type { OrganisationModel, SubscriptionModel } from './organisation-models.js';
import type { Member, OrganisationView } from './organisation-store.js';

const iso = (date: Date | null | undefined) => (date ? date.toISOString() : null);

/** Flagsmith's SubscriptionSerializer (every model field but the organisation). */
export function subscriptionToWire(subscription: SubscriptionModel | undefined) {
  if (!subscription) return null;
  return {
    id: subscription.id,
    has_active_billing_periods: false,
    deleted_at: null,
    uuid: subscription.uuid,
    subscription_id: subscription.subscription_id,
    subscription_date: iso(subscription.subscription_date),
    plan: subscription.plan,
    max_seats: subscription.max_seats,
    max_api_calls: subscription.max_api_calls,
    cancellation_date: iso(subscription.cancellation_date),
    customer_id: subscription.customer_id,
    billing_status: subscription.billing_status,
    payment_method: subscription.payment_method,
    notes: subscription.notes,
  };
}

/**
 * SubscriptionDetailsSerializer for `get-subscription-metadata/`: the subscription's seats and API calls, and
 * the limits Vexil actually applies. Flagsmith's free plan would say 1 project and 7 days of feature history,
 * which the dashboard shows as banners; Vexil limits neither, so it says so (null), and keeps the free plan's
 * 0 for the audit log, which the dashboard reads as "no limit" too.
 */
export function subscriptionMetadataToWire(subscription: SubscriptionModel | undefined) {
  return {
    max_seats: subscription?.max_seats ?? 1,
    max_api_calls: subscription?.max_api_calls ?? 50_000,
    max_projects: null,
    payment_source: null,
    chargebee_email: null,
    feature_history_visibility_days: null,
    audit_log_visibility_days: 0,
  };
}

/** OrganisationSerializerFull, as the list, detail, create and join endpoints answer. */
export function organisationToWire(view: OrganisationView) {
  const { organisation } = view;
  return {
    id: organisation.id,
    uuid: organisation.uuid,
    name: organisation.name,
    created_date: organisation.created_date.toISOString(),
    webhook_notification_email: organisation.webhook_notification_email,
    num_seats: view.numSeats,
    subscription: subscriptionToWire(view.subscription),
    role: view.role,
    persist_trait_data: organisation.persist_trait_data,
    block_access_to_admin: organisation.block_access_to_admin,
    restrict_project_create_to_admin: organisation.restrict_project_create_to_admin,
    force_2fa: organisation.force_2fa,
  };
}

/** OrganisationSerializerBasic. */
export function organisationBasicToWire(organisation: Pick<OrganisationModel, 'id' | 'name'>) {
  return { id: organisation.id, name: organisation.name };
}

/** UserListSerializer in an organisation's context: the member's role and join date. */
export function memberToWire(member: Member) {
  return {
    id: member.id,
    email: member.email,
    first_name: member.first_name,
    last_name: member.last_name,
    last_login: iso(member.last_login),
    uuid: member.uuid,
    role: member.role,
    date_joined: member.date_joined.toISOString(),
  };
}
