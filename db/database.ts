import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { PGlite } from '@electric-sql/pglite';
import type { Knex } from 'knex';
import type { DatabaseSettings } from '../config/settings.js';
import { StartupError, StartupErrorCode } from '../core/errors/startup-error.js';
import { lockEmbeddedDatabase } from './embedded-lock.js';
import { EmbeddedNotifications } from './embedded-notifications.js';
import type { Notifications } from './notifications.js';
import { type ListeningClient, PostgresNotifications } from './postgres-notifications.js';
import { markEmbedded } from './prepared-statement.js';
import { type PgTypeParsers, pgliteTypeParsers, postgresTypeParsers } from './type-parsers.js';

export interface Database {
  readonly knex: Knex;
  readonly kind: DatabaseSettings['kind'];
  /**
   * Listens to a notification channel until the returned function is called or the database closes. On the
   * embedded engine LISTEN waits for the one connection like any query: do not await it inside a transaction.
   */
  readonly listen: Notifications['listen'];
  /** Sends a notification at once, or with `{ transaction }` when (and only if) that transaction commits. */
  readonly notify: Notifications['notify'];
  /** Ends every listener, then the connections. */
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** An already-open PGlite (tests load one from a migrated dump instead of running initdb each time). */
  readonly pglite?: PGlite;
  /**
   * Errors that happen away from any caller: the listening connection dropping or failing to reconnect, a
   * notification listener throwing. Defaults to a process warning.
   */
  readonly onNotificationError?: (error: unknown) => void;
}

interface Opened {
  readonly knex: Knex;
  /** Gives the database up once its connections are closed (the embedded database's lock). */
  readonly release?: () => Promise<void>;
  readonly notifications: (onError: (error: unknown) => void) => Notifications;
}

/**
 * PGlite's stock 128 MB of shared buffers is sized for a server; zeroing them costs ~0.4 s of every start and
 * ~110 MB of resident memory, while a single-connection embedded database is served well by 16 MB.
 */
const embeddedStartParams = ['-c', 'shared_buffers=16MB', '-c', 'wal_buffers=512kB'];

/**
 * knex prints its warnings to stdout, where a CLI task's output goes. Its two lines on a failed migration
 * repeat what the migrator's StartupError reports in one; anything else goes to stderr.
 */
function knexWarning(message: unknown): void {
  const text = typeof message === 'string' ? message : String(message);
  // Failures knex also throws to the caller (start-up, the migrator, the error handler report them once).
  if (/^(migration (file ".*" failed|failed with error: )|Acquire connection error)/.test(text)) return;
  process.stderr.write(`knex: ${text}\n`);
}

async function openEmbedded(dataDir: string, existing?: PGlite): Promise<Opened> {
  // Loaded lazily: PGlite's WebAssembly build is a cost a PostgreSQL deployment never pays. PGlite starts
  // booting before the knex dialect loads, so that the two overlap.
  const { PGlite } = await import('@electric-sql/pglite');
  let pglite = existing;
  let unlock = async () => {};
  if (!pglite) {
    await mkdir(dataDir, { recursive: true });
    unlock = await lockEmbeddedDatabase(dataDir);
    pglite = new PGlite(dataDir, { startParams: [...PGlite.defaultStartParams, ...embeddedStartParams] });
  }
  const [{ default: knexFactory }, { default: ClientPGLite }] = await Promise.all([
    import('knex'),
    import('knex-pglite'),
  ]);
  try {
    await pglite.waitReady;
  } catch (error) {
    await unlock();
    throw error;
  }
  // The parser table belongs to this instance, so this also covers a PGlite handed in already open.
  Object.assign(pglite.parsers, pgliteTypeParsers);
  const knex = knexFactory({
    client: ClientPGLite,
    connection: { pglite } as Knex.StaticConnectionConfig,
    log: { warn: knexWarning },
  });
  markEmbedded(knex);
  const opened = pglite;
  return {
    knex,
    release: unlock,
    notifications: (onError) => new EmbeddedNotifications(opened, knex, onError),
  };
}

/** pg is CommonJS without type declarations; this is the part of it used here. */
interface PgModule {
  readonly types: PgTypeParsers;
  readonly Client: new (config: object) => ListeningClient;
}

async function openPostgres(
  connection: Extract<DatabaseSettings, { kind: 'postgres' }>['connection'],
  poolMax = 10,
): Promise<Opened> {
  const { default: knexFactory } = await import('knex');
  const pg = createRequire(import.meta.url)('pg') as PgModule;
  // Type parsers go on each connection (pg's `types` option) rather than into the process-wide pg.types.
  const config = {
    ...(typeof connection === 'string' ? { connectionString: connection } : connection),
    types: postgresTypeParsers(pg.types),
  };
  const knex = knexFactory({
    client: 'pg',
    connection: config as Knex.StaticConnectionConfig,
    pool: { min: 0, max: poolMax },
    acquireConnectionTimeout: 10_000,
    // Connection failures reach the caller (start-up reports them in one line, requests through the error
    // handler), so knex's own console copy of them is noise.
    log: { error: () => undefined, warn: knexWarning },
  });
  const listenerConfig = {
    application_name: 'vexil notifications',
    connectionTimeoutMillis: 10_000,
    ...config,
  };
  return {
    knex,
    notifications: (onError) =>
      new PostgresNotifications(knex, { createClient: () => new pg.Client(listenerConfig), onError }),
  };
}

function warn(error: unknown): void {
  process.emitWarning(error instanceof Error ? error : new Error(String(error)), 'VexilNotificationWarning');
}

/** The oldest PostgreSQL major the migrations and queries are kept to (CI runs it; the README says so). */
export const minimumPostgresMajor = 15;

/** Refuses a server older than minimumPostgresMajor, from its `server_version_num` (e.g. 150020). */
export function assertSupportedVersion(serverVersionNum: number): void {
  const major = Math.floor(serverVersionNum / 10_000);
  if (!(major >= minimumPostgresMajor)) {
    throw new StartupError(
      StartupErrorCode.databaseUnavailable,
      `PostgreSQL ${major} is not supported: Vexil needs PostgreSQL ${minimumPostgresMajor} or later`,
      'DATABASE_URL',
    );
  }
}

/**
 * Opens the configured database and checks it answers. The embedded engine (PGlite) speaks PostgreSQL's
 * dialect, so one set of migrations and queries serves both kinds.
 */
export async function openDatabase(
  settings: DatabaseSettings,
  options: OpenDatabaseOptions = {},
): Promise<Database> {
  let opened: Opened | undefined;
  let serverVersionNum: number;
  try {
    opened =
      settings.kind === 'embedded'
        ? await openEmbedded(settings.dataDir, options.pglite)
        : await openPostgres(settings.connection, settings.poolMax);
    const version = (await opened.knex.raw(
      "select current_setting('server_version_num')::int as version",
    )) as {
      rows: { version: number }[];
    };
    serverVersionNum = version.rows[0]?.version ?? 0;
  } catch (error) {
    if (opened) {
      await opened.knex.destroy().catch(() => undefined);
      await opened.release?.();
    }
    const where =
      settings.kind === 'embedded' ? `embedded database at ${settings.dataDir}` : 'PostgreSQL database';
    throw new StartupError(
      StartupErrorCode.databaseUnavailable,
      `cannot open the ${where}: ${(error as Error).message}`,
      settings.kind === 'embedded' ? 'DATA_DIR' : 'DATABASE_URL',
    );
  }
  const { knex } = opened;
  try {
    assertSupportedVersion(serverVersionNum);
  } catch (error) {
    await knex.destroy();
    await opened.release?.();
    throw error;
  }
  const notifications = opened.notifications(options.onNotificationError ?? warn);
  return {
    knex,
    kind: settings.kind,
    listen: (channel, listener, listenOptions) => notifications.listen(channel, listener, listenOptions),
    notify: (channel, payload, notifyOptions) => notifications.notify(channel, payload, notifyOptions),
    close: async () => {
      await notifications.close();
      await knex.destroy();
      await opened.release?.();
    },
  };
}
