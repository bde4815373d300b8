import type { Knex } from 'knex';
import * as instanceAndUsers from './20261125000000_instance_and_users.js';
import * as tenancyAndFeatures from './20261125000100_tenancy_and_features.js';
import * as organisationsAndAccess from './20261201000000_organisations_and_access.js';
import * as auditAndWebhooks from './20261201100000_audit_and_webhooks.js';
import * as environments from './20261202000000_environments.js';
import * as features from './20261203000000_features.js';
import * as segments from './20261203000100_segments.js';
import * as segmentOverrides from './20261204000000_segment_overrides.js';
import * as featureImportExport from './20261204000001_feature_import_export.js';
import * as featureOwners from './20261204000002_feature_owners.js';
import * as identities from './20261204000100_identities.js';
import * as sdkAnalytics from './20261204000200_sdk_analytics.js';
import * as projectLimits from './20261204000300_project_limits.js';
import * as passwordResetRequests from './20261204000500_password_reset_requests.js';
import * as userOnboarding from './20261204000501_user_onboarding.js';

/**
 * The core's migrations, keyed by their timestamp-prefixed file name. Add new ones here; plugins pass
 * their own to migrateToLatest instead.
 */
export const coreMigrations: Readonly<Record<string, Knex.Migration>> = {
  '20261125000000_instance_and_users': instanceAndUsers,
  '20261125000100_tenancy_and_features': tenancyAndFeatures,
  '20261201000000_organisations_and_access': organisationsAndAccess,
  '20261201100000_audit_and_webhooks': auditAndWebhooks,
  '20261202000000_environments': environments,
  '20261203000000_features': features,
  '20261203000100_segments': segments,
  '20261204000000_segment_overrides': segmentOverrides,
  '20261204000001_feature_import_export': featureImportExport,
  '20261204000002_feature_owners': featureOwners,
  '20261204000100_identities': identities,
  '20261204000200_sdk_analytics': sdkAnalytics,
  '20261204000300_project_limits': projectLimits,
  '20261204000500_password_reset_requests': passwordResetRequests,
  '20261204000501_user_onboarding': userOnboarding,
};
