import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { repoRoot } from './support/vexil-process.js';

const read = (file: string) => readFileSync(`${repoRoot}${file}`, 'utf8');

/** Variable names that config/settings.ts reads, taken from its source so that a new one cannot hide. */
function variablesReadBySettings(): string[] {
  const source = read('config/settings.ts');
  const names = new Set<string>();
  for (const [, name] of source.matchAll(/'([A-Z][A-Z0-9_]+)'/g)) names.add(name as string);
  // A default value in Django's header spelling, not a variable.
  names.delete('HTTP_X_FORWARDED_PROTO');
  return [...names];
}

describe('documentation and deployment files', () => {
  const variables = variablesReadBySettings();

  it('finds the variables settings read', () => {
    assert.ok(variables.includes('AXES_FAILURE_LIMIT'));
    assert.ok(variables.includes('DJANGO_DB_HOST'));
    assert.ok(variables.length >= 30, `only ${variables.length} found`);
  });

  it('the README configuration table names every variable', () => {
    const readme = read('README.md');
    const missing = variables.filter(
      (name) => !readme.includes(`\`${name}\``) && !name.startsWith('DJANGO_DB_'),
    );
    assert.deepEqual(missing, []);
  });

  it('app.json describes every variable that a Heroku deploy may set', () => {
    const app = JSON.parse(read('app.json')) as { env: Record<string, { description?: string }> };
    // The database comes from the heroku-postgresql add-on, and the data folder is for the embedded engine.
    const notForHeroku = /^(DATABASE_URL|DB_|DJANGO_DB_|DATA_DIR|PORT|SECRET_KEY$)/;
    const missing = variables.filter((name) => !notForHeroku.test(name) && !app.env[name]);
    assert.deepEqual(missing, []);
    for (const [name, spec] of Object.entries(app.env))
      assert.ok(spec.description, `${name} has no description`);
  });

  it('the Procfile runs migrations on release and the compiled server on web', () => {
    const procfile = read('Procfile');
    assert.match(procfile, /^release: node dist\/scripts\/migrate\.js$/m);
    assert.match(procfile, /^web: node dist\/core\/server\.js$/m);
  });

  it('npm run migrate runs the same compiled task as the release phase', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    assert.match(scripts.migrate ?? '', /node dist\/scripts\/migrate\.js$/);
    assert.match(read('README.md'), /`node dist\/scripts\/migrate\.js`/);
  });

  it('.ci/run calls the same test command as the README', () => {
    assert.match(read('README.md'), /```sh\nnpm test\n```/);
    assert.match(read('.ci/run'), /npm test\n/);
  });
});
