import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { StartupError } from '../core/errors/startup-error.js';
import { runEntry } from '../test/support/vexil-process.js';
import { type Database, openDatabase } from './database.js';

/** A pid that no process has: one that ran and has ended. */
function endedPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('embedded database: one process at a time', function () {
  // A real folder: the first open runs initdb.
  this.timeout(60_000);
  let folder: string;
  let dataDir: string;
  let db: Database | undefined;

  before(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'vexil-lock-'));
    dataDir = path.join(folder, 'db');
  });
  afterEach(async () => {
    await db?.close();
    db = undefined;
  });
  after(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('holds a lock with its pid while open, refuses a second opener naming DATA_DIR, and frees it on close', async () => {
    db = await openDatabase({ kind: 'embedded', dataDir });
    assert.equal(await readFile(`${dataDir}.lock`, 'utf8'), String(process.pid));
    const refused = await openDatabase({ kind: 'embedded', dataDir }).then(
      () => assert.fail('opened twice'),
      (error: unknown) => error,
    );
    assert.ok(refused instanceof StartupError);
    assert.equal(refused.subject, 'DATA_DIR');
    assert.match(refused.message, new RegExp(`in use by process ${process.pid}`));
    // The refused opener left the holder's lock alone, and the holder still works.
    assert.equal(await readFile(`${dataDir}.lock`, 'utf8'), String(process.pid));
    assert.equal((await db.knex.raw('select 1 as one')).rows[0].one, 1);
    await db.close();
    db = undefined;
    await assert.rejects(stat(`${dataDir}.lock`), { code: 'ENOENT' });
    db = await openDatabase({ kind: 'embedded', dataDir });
  });

  it('takes over a lock left by a process that has ended', async () => {
    await writeFile(`${dataDir}.lock`, String(endedPid()));
    db = await openDatabase({ kind: 'embedded', dataDir });
    assert.equal(await readFile(`${dataDir}.lock`, 'utf8'), String(process.pid));
  });

  it('a task in another process refuses to run while a server holds the folder, and runs once it is free', async () => {
    db = await openDatabase({ kind: 'embedded', dataDir });
    const env = { DATA_DIR: folder, DJANGO_SECRET_KEY: 'lock test' };
    const refused = await runEntry('scripts/migrate.ts', [], env);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /DATA_DIR/);
    assert.match(refused.stderr, new RegExp(`in use by process ${process.pid}`));
    await db.close();
    db = undefined;
    const ran = await runEntry('scripts/migrate.ts', [], env);
    assert.equal(ran.code, 0, ran.stderr);
  });
});
