import type { Knex } from 'knex';
import type { Database } from '../../db/database.js';
import type { CoreEvent, CoreEvents, EventBus } from '../events/event-bus.js';

/**
 * Where a store runs a query. Reads accept any scope; writes take a UnitOfWork, so a write outside a
 * transaction does not compile. There is deliberately no default: a store method that fell back to the root
 * connection would miss the caller's uncommitted rows on PostgreSQL and deadlock PGlite's single connection.
 */
export interface DataScope {
  readonly knex: Knex | Knex.Transaction;
}

/** One transaction and the events it will emit once it commits. */
export interface UnitOfWork extends DataScope {
  readonly knex: Knex.Transaction;
  /** Queues an event; it is emitted after commit, and dropped on rollback. */
  emit<K extends keyof CoreEvents>(event: K, payload: CoreEvents[K]): void;
  /** Runs `hook` after commit (never on rollback); a failing hook is logged like a failing listener. */
  afterCommit(hook: () => void | Promise<void>): void;
  /**
   * A database notification (LISTEN/NOTIFY) delivered to every process when, and only if, this transaction
   * commits: the cross-process cache-invalidation channel.
   */
  notify(channel: string, payload: string): Promise<void>;
}

class TransactionUnit implements UnitOfWork {
  readonly events: CoreEvent[] = [];
  readonly hooks: (() => void | Promise<void>)[] = [];

  constructor(
    readonly knex: Knex.Transaction,
    private readonly database: Pick<Database, 'notify'>,
  ) {}

  notify(channel: string, payload: string): Promise<void> {
    return this.database.notify(channel, payload, { transaction: this.knex });
  }

  emit<K extends keyof CoreEvents>(event: K, payload: CoreEvents[K]): void {
    this.events.push({ name: event, payload } as CoreEvent);
  }

  afterCommit(hook: () => void | Promise<void>): void {
    this.hooks.push(hook);
  }
}

/**
 * The one way to run writes: `transactor.run(async (uow) => …)` opens a transaction, hands every store call
 * the same unit, commits, and only then emits the queued events. Reads outside a transaction use `reads`.
 */
export class Transactor {
  /** The root connection, for reads that are not part of a unit of work. */
  readonly reads: DataScope;

  constructor(
    private readonly database: Pick<Database, 'knex' | 'notify'>,
    private readonly events: EventBus,
  ) {
    this.reads = { knex: database.knex };
  }

  async run<T>(work: (uow: UnitOfWork) => Promise<T>): Promise<T> {
    let unit: TransactionUnit | undefined;
    const result = await this.database.knex.transaction(async (trx) => {
      unit = new TransactionUnit(trx, this.database);
      return work(unit);
    });
    const committed = unit as TransactionUnit;
    for (const event of committed.events) this.events.emit(event.name, event.payload as never);
    for (const hook of committed.hooks) this.events.run('afterCommit', hook);
    return result;
  }
}
