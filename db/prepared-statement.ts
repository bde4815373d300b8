import { createRequire } from 'node:module';
import type { Knex } from 'knex';

/** An argument a prepared statement takes: what can be spelt as a literal without doubt. */
export type StatementArgument = string | number;

/**
 * A hot read that PostgreSQL parses and plans once per connection instead of on every call (planning the SDK's
 * identity read cost several times what running it did).
 *
 * On PostgreSQL it is a named statement of the extended protocol (node-postgres's `name`). The embedded engine's
 * driver sends every query unnamed, so there the statement is PREPAREd once on its single session and then
 * EXECUTEd, with the arguments as escaped literals (EXECUTE takes no bound parameters): about a third of the
 * unprepared query's time. The embedded connection is taken from knex's pool of one, as any query takes it, so a
 * read still waits for a transaction in progress instead of running inside it. Inside a transaction, and for a
 * string no literal can hold (a NUL), it is the plain query.
 */
export class PreparedStatement<Row> {
  readonly #name: string;
  readonly #sql: string;
  readonly #parameterTypes: readonly string[];
  /** The embedded sessions (their PGlite objects) the statement is prepared on. */
  readonly #preparedOn = new WeakSet<object>();

  /**
   * `sql` with `?` placeholders, as knex.raw takes it; `parameterTypes` are the SQL types of its arguments in
   * order (PREPARE needs them).
   */
  constructor(
    name: string,
    sql: string,
    parameterTypes: readonly string[],
    options: { readonly embeddedCacheEntries?: number } = {},
  ) {
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a statement name: ${name}`);
    this.#name = name;
    this.#sql = sql;
    this.#parameterTypes = parameterTypes;
    this.#cacheEntries = options.embeddedCacheEntries ?? 0;
  }

  readonly #cacheEntries: number;
  /** Answers by arguments, per embedded session, with the write generation they were read at. */
  readonly #cached = new WeakMap<object, Map<string, { generation: number; rows: Row[] }>>();

  /**
   * The statement's rows. On the embedded database, with `embeddedCacheEntries`, an answer is kept until any
   * statement that may write runs on the database (the process is the database's only client, and every
   * statement goes through its knex), so a kept answer is always what a read would return: treat the rows as
   * read-only.
   */
  async rows(knex: Knex | Knex.Transaction, args: readonly StatementArgument[]): Promise<Row[]> {
    if (isEmbedded(knex) && !knex.isTransaction && args.every(literalSafe)) {
      if (this.#cacheEntries === 0) return this.#executeEmbedded(knex, args);
      return this.#cachedEmbedded(knex, args);
    }
    const result = (await knex.raw(this.#sql, args as StatementArgument[]).options({ name: this.#name })) as
      | { rows?: Row[] }
      | Row[];
    // The pg driver answers `{rows}`, the embedded engine's dialect the rows themselves.
    return Array.isArray(result) ? result : (result.rows ?? []);
  }

  async #cachedEmbedded(knex: Knex, args: readonly StatementArgument[]): Promise<Row[]> {
    const generation = writeGenerations.get(knex.client as object) as WriteGeneration;
    let cache = this.#cached.get(knex.client as object);
    if (!cache) {
      cache = new Map();
      this.#cached.set(knex.client as object, cache);
    }
    const key = args.map(String).join('\0');
    const hit = cache.get(key);
    if (hit && hit.generation === generation.value) {
      // Most recently used last: the first key is the one to evict.
      cache.delete(key);
      cache.set(key, hit);
      return hit.rows;
    }
    const readAt = generation.value;
    const rows = await this.#executeEmbedded(knex, args);
    // A statement that may write ran while this read waited or ran: what it read may already be old.
    if (generation.value === readAt) {
      cache.delete(key);
      cache.set(key, { generation: readAt, rows });
      if (cache.size > this.#cacheEntries) cache.delete(cache.keys().next().value as string);
    }
    return rows;
  }

  async #executeEmbedded(knex: Knex, args: readonly StatementArgument[]): Promise<Row[]> {
    const connection = (await knex.client.acquireConnection()) as EmbeddedSession;
    // knex's own 'query' event, as for any query (logging and tests listen to it), with the statement's text.
    knex.client.emit('query', {
      method: 'raw',
      sql: this.#sql,
      bindings: [...args],
      options: { name: this.#name },
    });
    try {
      if (!this.#preparedOn.has(connection)) {
        let position = 0;
        const native = this.#sql.replace(/\?/g, () => `$${++position}`);
        await connection.exec(`prepare ${this.#name} (${this.#parameterTypes.join(', ')}) as ${native}`);
        this.#preparedOn.add(connection);
      }
      const result = await connection.query<Row>(`execute ${this.#name} (${args.map(literal).join(', ')})`);
      return result.rows;
    } finally {
      await knex.client.releaseConnection(connection);
    }
  }
}

/** The part of PGlite used here. */
interface EmbeddedSession {
  exec(sql: string): Promise<unknown>;
  query<Row>(sql: string): Promise<{ rows: Row[] }>;
}

interface WriteGeneration {
  value: number;
}
/** Per embedded knex client: moves on every statement that may write (kept answers older than it are void). */
const writeGenerations = new WeakMap<object, WriteGeneration>();

/** Statements that never change a row: anything else (a CTE, a call, DDL, COPY, EXPLAIN ANALYZE) counts as a write. */
const readOnlyStatement =
  /^\s*(select|execute|begin|commit|rollback|savepoint|release|listen|unlisten|show|set|values)\b/i;

/**
 * Marks a knex instance as the embedded engine's (db/database.ts does, when it opens one), and follows its
 * statements (transactions' included, which knex reports on the instance too) for the write generation.
 */
export function markEmbedded(knex: Knex): void {
  const generation: WriteGeneration = { value: 0 };
  writeGenerations.set(knex.client as object, generation);
  knex.on('query', (query: { sql?: string }) => {
    if (!readOnlyStatement.test(query.sql ?? '')) generation.value++;
  });
}

function isEmbedded(knex: Knex | Knex.Transaction): knex is Knex {
  return writeGenerations.has(knex.client as object);
}

const escapeLiteral = (createRequire(import.meta.url)('pg') as { escapeLiteral(value: string): string })
  .escapeLiteral;

function literalSafe(arg: StatementArgument): boolean {
  return typeof arg === 'number' ? Number.isSafeInteger(arg) : !arg.includes('\0');
}

function literal(arg: StatementArgument): string {
  return typeof arg === 'number' ? String(arg) : escapeLiteral(arg);
}
