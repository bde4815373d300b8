import type { DataScope } from '../data/unit-of-work.js';
import type {
  DocumentFeatureStateOut,
  DocumentIdentityOverrideOut,
} from '../environment-document/build-environment-document.js';
import type { FeatureStateView } from '../features/feature-models.js';
import { IdentityStore } from './identity-store.js';

/** Python's `datetime.isoformat()` of an aware UTC datetime: no fraction when it is zero, `+00:00` not `Z`. */
function pythonIsoFormat(utc: string): string {
  return `${utc.endsWith('.000000') ? utc.slice(0, -7) : utc}+00:00`;
}

/**
 * The environment document's `identity_overrides` (Flagsmith's map_environment_to_sdk_document: every identity
 * with an override, mapped without its traits), in four queries whatever the number of identities. `stateOf`
 * is the builder's own state mapper; a state it drops (its feature is not in the document) is left out.
 */
export async function documentIdentityOverrides(
  scope: DataScope,
  environmentId: number,
  environmentApiKey: string,
  stateOf: (state: FeatureStateView) => DocumentFeatureStateOut | undefined,
): Promise<DocumentIdentityOverrideOut[]> {
  const identities = await new IdentityStore().environmentOverrides(scope, environmentId);
  return identities.map(({ identity, overrides }) => ({
    identifier: identity.identifier,
    environment_api_key: environmentApiKey,
    created_date: pythonIsoFormat(identity.created_date_utc),
    identity_features: overrides.flatMap((state) => {
      const mapped = stateOf(state);
      return mapped ? [mapped] : [];
    }),
    identity_traits: [],
    identity_uuid: identity.uuid,
    django_id: identity.id,
    dashboard_alias: null,
    composite_key: `${environmentApiKey}_${identity.identifier}`,
  }));
}
