import type { User } from './user-model.js';

/** `/auth/users/me/` as Flagsmith's CustomCurrentUserSerializer renders it. */
export function currentUserToWire(user: User) {
  return {
    id: user.id,
    email: user.email,
    first_name: user.first_name,
    last_name: user.last_name,
    sign_up_type: user.sign_up_type,
    auth_type: user.auth_type,
    is_superuser: user.is_superuser,
    date_joined: user.date_joined.toISOString(),
    uuid: user.uuid,
    onboarding: onboardingToWire(user.onboarding_data),
  };
}

/**
 * OnboardingResponseTypeSerializer over the stored JSON, `null` when there is none (or it is empty): the keys
 * present, in its field order.
 */
function onboardingToWire(stored: string | null | undefined): Record<string, unknown> | null {
  if (!stored) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(stored);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Object.keys(parsed).length === 0) return null;
  const data = parsed as Record<string, unknown>;
  const wire: Record<string, unknown> = {};
  for (const key of ['tasks', 'tools', 'hosting_preferences']) if (key in data) wire[key] = data[key];
  return wire;
}

/** The registration response: djoser's UserCreateSerializer fields plus Flagsmith's additions. */
export function createdUserToWire(user: User, key: string | undefined) {
  return {
    first_name: user.first_name,
    last_name: user.last_name,
    sign_up_type: user.sign_up_type,
    email: user.email,
    id: user.id,
    is_active: user.is_active,
    marketing_consent_given: user.marketing_consent_given,
    uuid: user.uuid,
    ...(key === undefined ? {} : { key }),
  };
}
