import { mkdir } from 'node:fs/promises';
import type { PGlite } from '@electric-sql/pglite';
import type { Knex } from 'knex';
import type { DatabaseSettings } from '../config/settings.js';
import { StartupError, StartupErrorCode } from '../core/errors/startup-error.js';

export interface Database {
  readonly knex: Knex;
  readonly kind: DatabaseSettings['kind'];
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** An already-open PGlite (tests load one from a migrated dump instead of running initdb each time). */
  readonly pglite?: PGlite;
}

/**
 * PGlite's stock 128 MB of shared buffers is sized for a server; zeroing them costs ~0.4 s of every start and
 * ~110 MB of resident memory, while a single-connection embedded database is served well by 16 MB.
 */
const embeddedStartParams = ['-c', 'shared_buffers=16MB', '-c', 'wal_buffers=512kB'];

async function openEmbedded(dataDir: string, existing?: PGlite): Promise<Knex> {
  // Loaded lazily: PGlite's WebAssembly build is a cost a PostgreSQL deployment never pays. PGlite starts
  // booting before the knex dialect loads, so that the two overlap.
  const { PGlite } = await import('@electric-sql/pglite');
  let pglite = existing;
  if (!pglite) {
    await mkdir(dataDir, { recursive: true });
    pglite = new PGlite(dataDir, { startParams: [...PGlite.defaultStartParams, ...embeddedStartParams] });
  }
  const [{ default: knexFactory }, { default: ClientPGLite }] = await Promise.all([
    import('knex'),
    import('knex-pglite'),
  ]);
  await pglite.waitReady;
  return knexFactory({ client: ClientPGLite, connection: { pglite } as Knex.StaticConnectionConfig });
}

async function openPostgres(
  connection: Extract<DatabaseSettings, { kind: 'postgres' }>['connection'],
): Promise<Knex> {
  const { default: knexFactory } = await import('knex');
  return knexFactory({
    client: 'pg',
    connection: connection as Knex.StaticConnectionConfig,
    pool: { min: 0, max: 10 },
    acquireConnectionTimeout: 10_000,
    // Connection failures reach the caller (start-up reports them in one line, requests through the error
    // handler), so knex's own console copy of them is noise.
    log: { error: () => undefined },
  });
}

/**
 * Opens the configured database and checks it answers. The embedded engine (PGlite) speaks PostgreSQL's
 * dialect, so one set of migrations and queries serves both kinds.
 */
export async function openDatabase(
  settings: DatabaseSettings,
  options: OpenDatabaseOptions = {},
): Promise<Database> {
  let knex: Knex;
  try {
    knex =
      settings.kind === 'embedded'
        ? await openEmbedded(settings.dataDir, options.pglite)
        : await openPostgres(settings.connection);
    await knex.raw('select 1');
  } catch (error) {
    const where =
      settings.kind === 'embedded' ? `embedded database at ${settings.dataDir}` : 'PostgreSQL database';
    throw new StartupError(
      StartupErrorCode.databaseUnavailable,
      `cannot open the ${where}: ${(error as Error).message}`,
      settings.kind === 'embedded' ? 'DATA_DIR' : 'DATABASE_URL',
    );
  }
  return {
    knex,
    kind: settings.kind,
    close: () => knex.destroy(),
  };
}
