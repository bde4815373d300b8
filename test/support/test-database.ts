import type { PGlite } from '@electric-sql/pglite';
import knexFactory from 'knex';
import { type Database, type OpenDatabaseOptions, openDatabase } from '../../db/database.js';
import { migrateToLatest } from '../../db/migrator.js';

/**
 * Every test file gets a database of its own, already migrated:
 * - on PostgreSQL (TEST_DATABASE_URL or DATABASE_URL set): migrate a template database once per run, then
 *   clone it per file with CREATE DATABASE … TEMPLATE, which takes milliseconds;
 * - on the embedded engine: migrate one in-memory PGlite once per run, dump its data folder, and load
 *   that dump per file (about 0.5 s, against 3.5 s for a fresh initdb).
 */
export const testDatabaseUrl = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || undefined;
export const testDatabaseKind: Database['kind'] = testDatabaseUrl ? 'postgres' : 'embedded';

const runId = `${process.pid}_${Date.now().toString(36)}`;
const templateName = `vexil_template_${runId}`;
let counter = 0;
let templateReady: Promise<unknown> | undefined;
const created: string[] = [];

function urlFor(database: string): string {
  const url = new URL(testDatabaseUrl as string);
  url.pathname = `/${database}`;
  return url.toString();
}

function adminKnex() {
  return knexFactory({ client: 'pg', connection: testDatabaseUrl as string, pool: { min: 0, max: 1 } });
}

async function postgresTemplate(): Promise<void> {
  const admin = adminKnex();
  try {
    await admin.raw(`create database "${templateName}"`);
  } finally {
    await admin.destroy();
  }
  const template = knexFactory({ client: 'pg', connection: urlFor(templateName), pool: { min: 0, max: 1 } });
  try {
    await migrateToLatest(template);
  } finally {
    await template.destroy();
  }
}

async function embeddedDump(): Promise<Blob> {
  const { PGlite } = await import('@electric-sql/pglite');
  const pglite = new PGlite();
  const db = await openDatabase({ kind: 'embedded', dataDir: 'memory://' }, { pglite });
  await migrateToLatest(db.knex);
  const dump = await pglite.dumpDataDir('none');
  await db.close();
  return dump;
}

let dump: Promise<Blob> | undefined;

/** A fresh, migrated database for one test file. Call `close()` in the file's `after` hook. */
export async function createTestDatabase(
  options: Omit<OpenDatabaseOptions, 'pglite'> = {},
): Promise<Database> {
  if (testDatabaseUrl) {
    templateReady ??= postgresTemplate();
    await templateReady;
    const name = `vexil_test_${runId}_${++counter}`;
    const admin = adminKnex();
    try {
      await admin.raw(`create database "${name}" template "${templateName}"`);
    } finally {
      await admin.destroy();
    }
    created.push(name);
    return openDatabase({ kind: 'postgres', connection: urlFor(name) }, options);
  }
  dump ??= embeddedDump();
  const { PGlite } = await import('@electric-sql/pglite');
  const pglite: PGlite = new PGlite({ loadDataDir: await dump });
  return openDatabase({ kind: 'embedded', dataDir: 'memory://' }, { ...options, pglite });
}

/** Drops the per-file databases and the template (PostgreSQL only); run once when the suite ends. */
export async function dropTestDatabases(): Promise<void> {
  if (!testDatabaseUrl || !templateReady) return;
  const admin = adminKnex();
  try {
    for (const name of [...created, templateName]) {
      await admin.raw(`drop database if exists "${name}" with (force)`);
    }
  } finally {
    await admin.destroy();
  }
}

/**
 * Variables that point a child process (the server, a CLI task) at a fresh database of the kind under
 * test: a cloned PostgreSQL database, or an empty data folder for the embedded engine.
 */
export async function createProcessDatabaseEnv(): Promise<Record<string, string>> {
  if (testDatabaseUrl) {
    const database = await createTestDatabase();
    const name = created[created.length - 1] as string;
    await database.close();
    return { DATABASE_URL: urlFor(name) };
  }
  const { mkdtemp } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  return { DATA_DIR: await mkdtemp(path.join(tmpdir(), 'vexil-test-')) };
}
