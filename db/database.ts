import { mkdir } from 'node:fs/promises';
import type { PGlite } from '@electric-sql/pglite';
import knexFactory, { type Knex } from 'knex';
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

async function openEmbedded(dataDir: string, existing?: PGlite): Promise<Knex> {
  // Loaded lazily: PGlite's WebAssembly build costs ~300 MB, which a PostgreSQL deployment never pays.
  const [{ PGlite }, { default: ClientPGLite }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('knex-pglite'),
  ]);
  let pglite = existing;
  if (!pglite) {
    await mkdir(dataDir, { recursive: true });
    pglite = new PGlite(dataDir);
  }
  await pglite.waitReady;
  return knexFactory({ client: ClientPGLite, connection: { pglite } as Knex.StaticConnectionConfig });
}

function openPostgres(connection: Extract<DatabaseSettings, { kind: 'postgres' }>['connection']): Knex {
  return knexFactory({
    client: 'pg',
    connection: connection as Knex.StaticConnectionConfig,
    pool: { min: 0, max: 10 },
    acquireConnectionTimeout: 10_000,
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
        : openPostgres(settings.connection);
    await knex.raw('select 1');
  } catch (error) {
    const where = settings.kind === 'embedded' ? `embedded database at ${settings.dataDir}` : 'PostgreSQL';
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
