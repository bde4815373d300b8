import type { Knex } from 'knex';
import * as instanceAndUsers from './20261125000000_instance_and_users.js';
import * as tenancyAndFeatures from './20261125000100_tenancy_and_features.js';

/** Every migration, keyed by its timestamp-prefixed file name. Add new ones here. */
export const migrations: Record<string, Knex.Migration> = {
  '20261125000000_instance_and_users': instanceAndUsers,
  '20261125000100_tenancy_and_features': tenancyAndFeatures,
};
