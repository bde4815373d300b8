import { pino } from 'pino';
import { Transactor } from '../../core/data/unit-of-work.js';
import { EventBus } from '../../core/events/event-bus.js';
import type { Database } from '../../db/database.js';

/** A transactor over a bare test database, for code that runs below the app (fixtures, stores). */
export function transactorFor(
  database: Database,
  events = new EventBus(pino({ level: 'silent' })),
): Transactor {
  return new Transactor(database, events);
}
