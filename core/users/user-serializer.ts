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
  };
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
