import type { Knex } from 'knex';
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

/** Applies every pending migration; returns the names applied (empty when already up to date). */
export async function migrateToLatest(knex: Knex): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest({ migrationSource: new StaticMigrationSource() })) as [
    number,
    string[],
  ];
  return applied;
}
