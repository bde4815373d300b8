import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { load as parseYaml } from 'js-yaml';
import type { Transactor } from '../core/data/unit-of-work.js';
import { StartupError, StartupErrorCode } from '../core/errors/startup-error.js';
import { InstanceStore } from '../core/instance/instance-store.js';
import { projectRoot } from '../core/project-root.js';

/** One record of a Django fixture, the format of Flagsmith's `init_data.yaml`. */
interface FixtureRecord {
  model: string;
  pk: number | string;
  fields: Record<string, unknown>;
}

interface ModelMapping {
  readonly table: string;
  /** Django foreign-key field → our column. */
  readonly foreignKeys?: Record<string, string>;
}

const modelMappings: Record<string, ModelMapping> = {
  'organisations.organisation': { table: 'organisations' },
  'projects.project': { table: 'projects', foreignKeys: { organisation: 'organisation_id' } },
  'environments.environment': { table: 'environments', foreignKeys: { project: 'project_id' } },
  'identities.identity': { table: 'identities', foreignKeys: { environment: 'environment_id' } },
  'features.feature': { table: 'features', foreignKeys: { project: 'project_id' } },
  'features.featurestate': {
    table: 'feature_states',
    foreignKeys: { feature: 'feature_id', environment: 'environment_id', identity: 'identity_id' },
  },
  'features.featurestatevalue': {
    table: 'feature_state_values',
    foreignKeys: { feature_state: 'feature_state_id' },
  },
};

// Permission keys are constants in Vexil's code, not rows, so Flagsmith's fixtures may carry them harmlessly.
const builtInModels = new Set(['permissions.permissionmodel']);

export interface LoadReport {
  /** Rows written per table (inserted or updated: loading twice rewrites the same rows). */
  readonly written: Record<string, number>;
  /** Fixture fields that have no column here, per model, so that nothing is dropped silently. */
  readonly ignoredFields: Record<string, string[]>;
}

function invalid(file: string, message: string): StartupError {
  return new StartupError(StartupErrorCode.fixtureInvalid, `${file}: ${message}`, file);
}

/** Resolves `init_data` or `init_data.yaml` to the shipped fixture, and anything else as a path. */
export function resolveFixturePath(name: string, cwd = process.cwd()): string {
  if (name.includes('/') || name.includes(path.sep)) return path.resolve(cwd, name);
  const fixturesDir = path.join(projectRoot, 'db', 'fixtures');
  return path.join(fixturesDir, /\.(ya?ml|json)$/.test(name) ? name : `${name}.yaml`);
}

export async function readFixture(file: string): Promise<FixtureRecord[]> {
  let parsed: unknown;
  try {
    const text = await readFile(file, 'utf8');
    parsed = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw invalid(file, (error as Error).message);
  }
  if (!Array.isArray(parsed)) throw invalid(file, 'expected a list of {model, pk, fields} records');
  parsed.forEach((record: unknown, index) => {
    const r = record as Partial<FixtureRecord> | null;
    if (
      !r ||
      typeof r.model !== 'string' ||
      r.pk === undefined ||
      typeof r.fields !== 'object' ||
      r.fields === null
    ) {
      throw invalid(file, `record ${index + 1} needs model, pk and fields`);
    }
    if (!modelMappings[r.model] && !builtInModels.has(r.model) && r.model !== 'sites.site') {
      throw invalid(file, `record ${index + 1}: unknown model "${r.model}"`);
    }
  });
  return parsed as FixtureRecord[];
}

/**
 * Loads a Django-format fixture in one transaction. Records are upserted by primary key, so loading the
 * same file twice leaves one copy of everything; sequences are moved past the loaded ids afterwards so
 * that rows created later do not collide with them.
 */
export async function loadFixture(transactor: Transactor, file: string): Promise<LoadReport> {
  const records = await readFixture(file);
  const written: Record<string, number> = {};
  const ignoredFields: Record<string, string[]> = {};
  // The store is stateless; writing the site through it keeps one definition of where the site lives.
  const instance = new InstanceStore();
  await transactor.run(async (uow) => {
    // Bulk upserts into whatever tables the fixture names: plain knex, since no model owns them all.
    const trx = uow.knex;
    const columnsByTable = new Map<string, Set<string>>();
    const columnsOf = async (table: string) => {
      let columns = columnsByTable.get(table);
      if (!columns) {
        columns = new Set(Object.keys(await trx(table).columnInfo()));
        columnsByTable.set(table, columns);
      }
      return columns;
    };

    for (const record of records) {
      if (builtInModels.has(record.model)) continue;
      if (record.model === 'sites.site') {
        const { name, domain } = record.fields as { name?: unknown; domain?: unknown };
        if (typeof name !== 'string' || typeof domain !== 'string')
          throw invalid(file, 'sites.site needs name and domain');
        await instance.setSite(uow, { name, domain });
        written.instance_settings = (written.instance_settings ?? 0) + 1;
        continue;
      }
      const mapping = modelMappings[record.model] as ModelMapping;
      const columns = await columnsOf(mapping.table);
      const row: Record<string, unknown> = { id: record.pk };
      for (const [field, value] of Object.entries(record.fields)) {
        const column = mapping.foreignKeys?.[field] ?? field;
        if (columns.has(column)) row[column] = value;
        else if (value !== null && !(Array.isArray(value) && value.length === 0)) {
          const list = ignoredFields[record.model] ?? [];
          if (!list.includes(field)) ignoredFields[record.model] = [...list, field];
        }
      }
      try {
        await trx(mapping.table).insert(row).onConflict('id').merge();
      } catch (error) {
        throw invalid(file, `${record.model} pk=${record.pk}: ${(error as Error).message}`);
      }
      written[mapping.table] = (written[mapping.table] ?? 0) + 1;
    }

    for (const table of Object.keys(written)) {
      if (table === 'instance_settings') continue;
      await trx.raw(
        `select setval(pg_get_serial_sequence(?, 'id'), greatest((select coalesce(max(id), 0) from ??), 1))`,
        [table, table],
      );
    }
  });
  return { written, ignoredFields };
}
