import type { Knex } from 'knex';
import { StartupError, StartupErrorCode } from '../core/errors/startup-error.js';
import type { Database } from './database.js';
import { coreMigrations } from './migrations/index.js';

/** Migrations keyed by their timestamp-prefixed name, e.g. `20261201000000_create_deliveries`. */
export type MigrationList = Readonly<Record<string, Knex.Migration>>;

/** The migrations a plugin contributes; recorded as `<id>/<name>`. */
export interface PluginMigrations {
  /** The plugin's kebab-case id, reused unchanged as the prefix of its migration names. */
  readonly id: string;
  readonly migrations: MigrationList;
}

export interface MigrateOptions {
  /** Migration sets of the active plugins, in any order: they are applied after the core, sorted by id. */
  readonly plugins?: readonly PluginMigrations[];
  /** Which engine, to name the right variable in errors; read from the knex client when not given. */
  readonly kind?: Database['kind'];
}

/** One migration as knex records it, and whose it is. */
export interface PlannedMigration {
  /** The name in `knex_migrations`: unprefixed for the core (as databases migrated before plugins have it). */
  readonly name: string;
  /** The contributing plugin's id; undefined for the core. */
  readonly pluginId: string | undefined;
  readonly migration: Knex.Migration;
}

/** What planMigrations returns: the migrations in order, and which plugins are active (even with none). */
export interface MigrationPlan {
  readonly migrations: readonly PlannedMigration[];
  readonly pluginIds: readonly string[];
}

const pluginIdPattern = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const migrationNamePattern = /^\d{14}_[a-z0-9]+(?:_[a-z0-9]+)*$/;

function invalid(message: string, pluginId: string | undefined): StartupError {
  return new StartupError(StartupErrorCode.migrationInvalid, message, pluginId);
}

function checkedList(list: MigrationList, pluginId: string | undefined): PlannedMigration[] {
  const owner = pluginId === undefined ? 'core' : `plugin "${pluginId}"`;
  return Object.keys(list)
    .sort()
    .map((name) => {
      if (!migrationNamePattern.test(name)) {
        throw invalid(
          `${owner}: migration name ${JSON.stringify(name)} is not valid: expected a 14-digit timestamp, an underscore and lower-case snake_case words, e.g. 20261201000000_create_deliveries`,
          pluginId,
        );
      }
      const migration = list[name];
      if (typeof migration?.up !== 'function') {
        throw invalid(`${owner}: migration ${name} has no up() function`, pluginId);
      }
      return { name: pluginId === undefined ? name : `${pluginId}/${name}`, pluginId, migration };
    });
}

/**
 * Every migration in the order it is applied: the core first, then each plugin's, plugins sorted by id so
 * that the order does not depend on discovery order. A bad plugin id or migration name is refused, naming
 * the plugin, before anything runs.
 */
export function planMigrations(
  core: MigrationList,
  plugins: readonly PluginMigrations[] = [],
): MigrationPlan {
  const seen = new Set<string>();
  for (const { id } of plugins) {
    if (typeof id !== 'string' || !pluginIdPattern.test(id)) {
      throw invalid(
        `plugin id ${JSON.stringify(id)} is not valid for migrations: expected kebab-case (lower-case letters and digits, words joined by single hyphens, starting with a letter)`,
        typeof id === 'string' ? id : undefined,
      );
    }
    if (seen.has(id)) throw invalid(`plugin "${id}" contributes migrations twice`, id);
    seen.add(id);
  }
  const sorted = [...plugins].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    migrations: [
      ...checkedList(core, undefined),
      ...sorted.flatMap((plugin) => checkedList(plugin.migrations, plugin.id)),
    ],
    pluginIds: sorted.map((plugin) => plugin.id),
  };
}

/** Carries which migration failed through knex, which rethrows the original error without saying. */
class MigrationFailure extends Error {
  constructor(
    readonly planned: PlannedMigration,
    readonly original: unknown,
  ) {
    super(original instanceof Error ? original.message : String(original));
  }
}

function guarded(planned: PlannedMigration): Knex.Migration {
  const { migration } = planned;
  const run =
    (step: Knex.Migration['up'] | undefined) =>
    async (knex: Knex): Promise<void> => {
      try {
        await step?.call(migration, knex);
      } catch (error) {
        throw new MigrationFailure(planned, error);
      }
    };
  // The spread keeps knex's per-migration `config` (e.g. `{ transaction: false }`).
  return { ...migration, up: run(migration.up), down: run(migration.down) };
}

/**
 * Migrations are listed in code rather than discovered on disk: the same list works from TypeScript
 * sources (tests) and compiled output (production), and start-up skips a directory scan.
 */
class PlannedMigrationSource implements Knex.MigrationSource<PlannedMigration> {
  constructor(private readonly plan: readonly PlannedMigration[]) {}

  getMigrations(): Promise<PlannedMigration[]> {
    return Promise.resolve([...this.plan]);
  }

  getMigrationName(planned: PlannedMigration): string {
    return planned.name;
  }

  getMigration(planned: PlannedMigration): Promise<Knex.Migration> {
    return Promise.resolve(guarded(planned));
  }
}

/** Names recorded as applied; undefined when nothing was ever migrated (or the table cannot be read). */
async function appliedNames(knex: Knex): Promise<Set<string> | undefined> {
  try {
    const rows: { name: string }[] = await knex('knex_migrations').select('name');
    return new Set(rows.map((row) => row.name));
  } catch {
    return undefined;
  }
}

function kindOf(knex: Knex, kind: Database['kind'] | undefined): Database['kind'] {
  if (kind) return kind;
  // openDatabase gives PostgreSQL the 'pg' client by name and PGlite its dialect class.
  return (knex.client as { config?: { client?: unknown } }).config?.client === 'pg' ? 'postgres' : 'embedded';
}

/**
 * Applies the pending migrations of a plan; returns the names applied (empty when already up to date). A
 * failure is a StartupError, so the server, `npm run migrate` and the release phase all report it in one
 * line: VEXIL_MIGRATION_FAILED naming the migration (subject: its plugin, or the database variable), or
 * VEXIL_DATABASE_UNAVAILABLE when the database itself could not be used.
 */
export async function applyMigrationPlan(
  knex: Knex,
  plan: MigrationPlan,
  options: Pick<MigrateOptions, 'kind'> = {},
): Promise<string[]> {
  const databaseVariable = kindOf(knex, options.kind) === 'embedded' ? 'DATA_DIR' : 'DATABASE_URL';
  const applied = await appliedNames(knex);
  if (applied) {
    // An unprefixed name we do not know means a newer Vexil migrated this database; running older code
    // against its schema is not safe. A plugin's names are only checked while that plugin is active: when
    // it is switched off its tables stay, and knex's own check (which would call them missing) is off.
    const known = new Set(plan.migrations.map((planned) => planned.name));
    const activePlugins = new Set(plan.pluginIds);
    const unknown = [...applied].filter((name) => {
      if (known.has(name)) return false;
      const slash = name.indexOf('/');
      return slash === -1 || activePlugins.has(name.slice(0, slash));
    });
    if (unknown.length > 0) {
      const first = unknown[0] as string;
      const slash = first.indexOf('/');
      throw invalid(
        `the database has migrations this version does not know: ${unknown.join(', ')} (was it migrated by a newer version?)`,
        slash === -1 ? databaseVariable : first.slice(0, slash),
      );
    }
    if (plan.migrations.every((planned) => applied.has(planned.name))) return [];
  }
  try {
    const [, names] = (await knex.migrate.latest({
      migrationSource: new PlannedMigrationSource(plan.migrations),
      disableMigrationsListValidation: true,
    })) as [number, string[]];
    return names;
  } catch (error) {
    if (error instanceof MigrationFailure) {
      const { name, pluginId } = error.planned;
      throw new StartupError(
        StartupErrorCode.migrationFailed,
        `migration ${name} failed${pluginId ? ` (plugin "${pluginId}")` : ''}: ${error.message}`,
        pluginId ?? databaseVariable,
      );
    }
    throw new StartupError(
      StartupErrorCode.databaseUnavailable,
      `migrating the database failed: ${(error as Error).message}`,
      databaseVariable,
    );
  }
}

/**
 * Brings the database up to date: the core migrations, then those of the given plugins. Core names are
 * recorded unprefixed, exactly as before plugins could contribute, so existing databases see nothing new.
 */
export async function migrateToLatest(knex: Knex, options: MigrateOptions = {}): Promise<string[]> {
  const plan = planMigrations(coreMigrations, options.plugins);
  return applyMigrationPlan(knex, plan, options.kind ? { kind: options.kind } : {});
}
