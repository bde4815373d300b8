import type { Settings } from '../config/settings.js';
import { type Database, type OpenDatabaseOptions, openDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrator.js';
import type { AppContext } from './app-context.js';
import { createCache } from './cache/cache.js';
import { EventBus } from './events/event-bus.js';
import { createAuthenticators } from './http/authentication.js';
import { InstanceStore } from './instance/instance-store.js';
import { createLogger, type Logger } from './logging/logger.js';
import { LoginLockout } from './users/login-lockout.js';
import { UserService } from './users/user-service.js';
import { UserStore } from './users/user-store.js';

export interface ComposeOptions {
  readonly logger?: Logger;
  /** An open database to use instead of opening the configured one (tests). */
  readonly database?: Database;
  readonly databaseOptions?: OpenDatabaseOptions;
  /** Skip migrations when the caller has already migrated (test templates). */
  readonly migrate?: boolean;
}

/**
 * The composition root: the one place that builds services and hands each its dependencies. Nothing
 * else constructs a store or service on its own.
 */
export async function composeContext(settings: Settings, options: ComposeOptions = {}): Promise<AppContext> {
  const logger = options.logger ?? createLogger(settings.logLevel);
  const database = options.database ?? (await openDatabase(settings.database, options.databaseOptions));
  if (options.migrate !== false) {
    const applied = await migrateToLatest(database.knex);
    if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
  }

  const instance = new InstanceStore(database.knex);
  let secretKey = settings.secretKey;
  if (secretKey === undefined) {
    const generated = await instance.loadOrCreateSecretKey();
    secretKey = generated.key;
    if (generated.created) {
      logger.warn(
        'DJANGO_SECRET_KEY is not set: generated one and stored it in the database; set it explicitly in production',
      );
    }
  }

  const events = new EventBus(logger);
  const users = new UserService(
    database.knex,
    new UserStore(database.knex),
    new LoginLockout(database.knex, settings.axes),
    events,
    settings,
    secretKey,
  );
  return {
    settings,
    database,
    logger,
    cache: createCache(),
    events,
    instance,
    users,
    auth: createAuthenticators(users),
    secretKey,
  };
}

/** Releases what composeContext opened. */
export async function disposeContext(ctx: AppContext): Promise<void> {
  ctx.cache.close();
  await ctx.database.close();
}
