import type { Settings } from '../config/settings.js';
import type { Database } from '../db/database.js';
import type { Cache } from './cache/cache.js';
import type { EventBus } from './events/event-bus.js';
import type { Authenticators } from './http/authentication.js';
import type { InstanceStore } from './instance/instance-store.js';
import type { Logger } from './logging/logger.js';
import type { UserService } from './users/user-service.js';

/** Everything the composition root wires together; routes and (later) plugins receive parts of it. */
export interface AppContext {
  readonly settings: Settings;
  readonly database: Database;
  readonly logger: Logger;
  readonly cache: Cache;
  readonly events: EventBus;
  readonly instance: InstanceStore;
  readonly users: UserService;
  readonly auth: Authenticators;
  readonly secretKey: string;
}
