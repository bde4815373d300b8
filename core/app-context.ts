import type { Settings } from '../config/settings.js';
import type { Database } from '../db/database.js';
import type { AuthRegistry } from './auth/auth-registry.js';
import type { Cache } from './cache/cache.js';
import type { Transactor } from './data/unit-of-work.js';
import type { EventBus } from './events/event-bus.js';
import type { InstanceStore } from './instance/instance-store.js';
import type { Logger } from './logging/logger.js';
import type { RouteTable } from './route-table.js';
import type { UserService } from './users/user-service.js';

/** What every slice (and, through its context, every plugin) is built from. */
export interface Kernel {
  readonly settings: Settings;
  readonly database: Database;
  readonly logger: Logger;
  readonly cache: Cache;
  readonly events: EventBus;
  /** The one way to run writes: a unit of work whose events are emitted after commit. */
  readonly transactor: Transactor;
  /** Credential strategies (identify every API request) and named ones (login, OAuth callbacks). */
  readonly auth: AuthRegistry;
  /** Routers the app mounts, core slices' and plugins', all in front of the core error handler. */
  readonly routes: RouteTable;
  readonly secretKey: string;
}

/** The kernel plus the services slices export to each other, to the CLI tasks and to the server. */
export interface AppContext extends Kernel {
  readonly users: UserService;
  readonly instance: InstanceStore;
}
