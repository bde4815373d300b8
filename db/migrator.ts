import type { Knex } from 'knex';
import { StartupError, StartupErrorCode } from '../core/errors/startup-error.js';
import { migrations } from './migrations/index.js';

/**
 * Migrations are listed in code rather than discovered on disk: the same list works from TypeScript
 * sources (tests) and compiled output (production), and start-up skips a directory scan.
 */
class StaticMigrationSource implements Knex.MigrationSource<string> {
  getMigrations(): Promise<string[]> {
    return Promise.resolve(Object.keys(migrations).sort());
  }

  getMigrationName(name: string): string {
    return name;
  }

  getMigration(name: string): Promise<Knex.Migration> {
    const migration = migrations[name];
    if (!migration) throw new Error(`unknown migration ${name}`);
    return Promise.resolve(migration);
  }
}

/**
 * True when every known migration is recorded as applied. One query instead of knex's full check (lock
 * table, directory listing, several catalogue queries), which costs hundreds of milliseconds on the
 * embedded engine and would sit on every start-up.
 */
async function isUpToDate(knex: Knex): Promise<boolean> {
  try {
    const rows: { name: string }[] = await knex('knex_migrations').select('name');
    const applied = new Set(rows.map((row) => row.name));
    return Object.keys(migrations).every((name) => applied.has(name));
  } catch {
    return false;
  }
}

/**
 * Applies every pending migration; returns the names applied (empty when already up to date). A failure is
 * a StartupError, so the server, `npm run migrate` and the release phase all report it in one line.
 */
export async function migrateToLatest(knex: Knex): Promise<string[]> {
  if (await isUpToDate(knex)) return [];
  try {
    const [, applied] = (await knex.migrate.latest({ migrationSource: new StaticMigrationSource() })) as [
      number,
      string[],
    ];
    return applied;
  } catch (error) {
    throw new StartupError(
      StartupErrorCode.databaseUnavailable,
      `migrating the database failed: ${(error as Error).message}`,
      'DATABASE_URL',
    );
  }
}
