import { strict as assert } from 'node:assert';
import { createProcessDatabaseEnv } from './support/test-database.js';
import { runEntry } from './support/vexil-process.js';

describe('command-line tasks', function () {
  // Each test starts real processes, and a first start creates a database (initdb): allow for a busy machine.
  this.timeout(120_000);

  let env: Record<string, string>;
  before(async () => {
    env = await createProcessDatabaseEnv();
  });

  it('npm run migrate applies the migrations once, then reports the database up to date', async () => {
    const first = await runEntry('scripts/migrate.ts', [], env);
    assert.equal(first.code, 0, first.stderr);
    // On PostgreSQL the test database is cloned from a migrated template, so there is nothing left to apply.
    if (!env.DATABASE_URL) assert.match(first.stdout, /^Applied 20261125000000_instance_and_users, /);
    const second = await runEntry('scripts/migrate.ts', [], env);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, 'Database is up to date.\n');
  });

  it('createsuperuser --noinput needs an email and a password', async () => {
    const result = await runEntry(
      'scripts/create-superuser.ts',
      ['--noinput', '--email', 'root@example.com'],
      env,
    );
    assert.equal(result.code, 1);
    assert.match(result.stderr, /--noinput needs --email and --password/);
  });

  it('createsuperuser takes flags, or environment variables, and refuses a duplicate', async () => {
    const byFlags = await runEntry(
      'scripts/create-superuser.ts',
      ['--noinput', '--email', 'Root@Example.com', '--password', 'root password 1'],
      env,
    );
    assert.equal(byFlags.code, 0, byFlags.stderr);
    assert.match(byFlags.stdout, /Superuser root@example.com created/);

    const byEnv = await runEntry('scripts/create-superuser.ts', ['--noinput'], {
      ...env,
      DJANGO_SUPERUSER_EMAIL: 'ops@example.com',
      DJANGO_SUPERUSER_PASSWORD: 'ops password 1',
    });
    assert.equal(byEnv.code, 0, byEnv.stderr);

    const duplicate = await runEntry(
      'scripts/create-superuser.ts',
      ['--noinput', '--email', 'root@example.com', '--password', 'root password 1'],
      env,
    );
    assert.equal(duplicate.code, 1);
    assert.match(duplicate.stderr, /Email already exists/);
  });

  it('createsuperuser asks for what is missing when run interactively', async () => {
    const result = await runEntry(
      'scripts/create-superuser.ts',
      [],
      env,
      'asked@example.com\nasked password 1\nasked password 1\n',
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Superuser asked@example.com created/);
  });

  it('loaddata loads init_data, and loading it again changes nothing', async () => {
    const first = await runEntry('scripts/load-data.ts', ['init_data'], env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /2 environments/);
    const second = await runEntry('scripts/load-data.ts', ['init_data'], env);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, first.stdout);
  });

  it('loaddata names a missing file', async () => {
    const result = await runEntry('scripts/load-data.ts', ['./no-such-fixture.yaml'], env);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /VEXIL_FIXTURE_INVALID: .*no-such-fixture.yaml/);
  });
});
