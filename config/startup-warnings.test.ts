import { strict as assert } from 'node:assert';
import { loadSettings } from './settings.js';
import { startupWarnings } from './startup-warnings.js';

describe('start-up warnings', () => {
  it('warns about DNS rebinding while DJANGO_ALLOWED_HOSTS is * (the default)', () => {
    for (const env of [{}, { DJANGO_ALLOWED_HOSTS: '*' }, { DJANGO_ALLOWED_HOSTS: 'flags.example.com, *' }]) {
      const warnings = startupWarnings(loadSettings(env, '/srv/vexil'));
      assert.equal(warnings.length, 1, JSON.stringify(env));
      assert.match(warnings[0] ?? '', /DJANGO_ALLOWED_HOSTS/);
      assert.match(warnings[0] ?? '', /DNS rebinding then passes any origin check/);
    }
  });

  it('says nothing once the hosts are named', () => {
    const settings = loadSettings({ DJANGO_ALLOWED_HOSTS: 'flags.example.com,.example.org' }, '/srv/vexil');
    assert.deepEqual(startupWarnings(settings), []);
  });

  it('warns that WEB_CONCURRENCY runs one process on the embedded database, and not on PostgreSQL', () => {
    const hosts = { DJANGO_ALLOWED_HOSTS: 'flags.example.com' };
    const embedded = startupWarnings(loadSettings({ ...hosts, WEB_CONCURRENCY: '3' }, '/srv/vexil'));
    assert.equal(embedded.length, 1);
    assert.match(
      embedded[0] ?? '',
      /^WEB_CONCURRENCY is 3, but the embedded database lives inside one process/,
    );
    const postgres = loadSettings(
      { ...hosts, WEB_CONCURRENCY: '3', DATABASE_URL: 'postgres://h/db' },
      '/srv/vexil',
    );
    assert.deepEqual(startupWarnings(postgres), []);
  });
});
