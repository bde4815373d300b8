import { strict as assert } from 'node:assert';
import { createProcessDatabaseEnv, testDatabaseKind } from '../../test/support/test-database.js';
import { startVexil, type VexilProcess } from '../../test/support/vexil-process.js';

interface Call {
  status: number;
  body: unknown;
  headers: Headers;
}

async function call(base: string, path: string, init: RequestInit & { json?: unknown } = {}): Promise<Call> {
  const { json, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (json !== undefined) headers.set('Content-Type', 'application/json');
  const response = await fetch(`${base}${path}`, {
    ...rest,
    headers,
    ...(json === undefined ? {} : { body: JSON.stringify(json) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

describe('SDK caches across processes sharing one PostgreSQL database', function () {
  // Two real servers start (tsx compiles on the way): allow for a busy machine.
  this.timeout(120_000);
  let one: VexilProcess | undefined;
  let two: VexilProcess | undefined;

  before(async function () {
    // The embedded database is one process by design: there is no second process to keep consistent.
    if (testDatabaseKind !== 'postgres') this.skip();
    const database = await createProcessDatabaseEnv();
    const env = { ...database, DJANGO_SECRET_KEY: 'two-process-secret', ENV: 'test' };
    [one, two] = await Promise.all([startVexil(env), startVexil(env)]);
  });
  after(async () => {
    await Promise.all([one?.stop(), two?.stop()]);
  });

  it("shows a flag changed through one process on the other's next /flags/", async () => {
    const a = (one as VexilProcess).baseUrl;
    const b = (two as VexilProcess).baseUrl;
    const signUp = await call(a, '/api/v1/auth/users/', {
      method: 'POST',
      json: { email: 'two@example.com', password: 'two processes 1', first_name: 'Two', last_name: 'Proc' },
    });
    assert.equal(signUp.status, 201, JSON.stringify(signUp.body));
    const auth = { Authorization: `Token ${(signUp.body as { key: string }).key}` };
    const organisation = await call(a, '/api/v1/organisations/', {
      method: 'POST',
      headers: auth,
      json: { name: 'Org' },
    });
    const project = await call(a, '/api/v1/projects/', {
      method: 'POST',
      headers: auth,
      json: { name: 'P', organisation: (organisation.body as { id: number }).id },
    });
    const projectId = (project.body as { id: number }).id;
    const environment = await call(a, '/api/v1/environments/', {
      method: 'POST',
      headers: auth,
      json: { name: 'E', project: projectId },
    });
    const apiKey = (environment.body as { api_key: string }).api_key;
    const feature = await call(a, `/api/v1/projects/${projectId}/features/`, {
      method: 'POST',
      headers: auth,
      json: { name: 'shared_flag', initial_value: 'before', default_enabled: false },
    });
    assert.equal(feature.status, 201, JSON.stringify(feature.body));

    type Flag = { feature: { name: string }; enabled: boolean; feature_state_value: unknown };
    const flagsOn = async (base: string) => {
      const response = await call(base, '/api/v1/flags/', { headers: { 'X-Environment-Key': apiKey } });
      assert.equal(response.status, 200, JSON.stringify(response.body));
      return {
        flag: (response.body as Flag[]).find((flag) => flag.feature.name === 'shared_flag'),
        etag: response.headers.get('etag'),
      };
    };
    // Process two caches the environment as it is now.
    const warm = await flagsOn(b);
    assert.equal(warm.flag?.feature_state_value, 'before');
    assert.equal((await flagsOn(b)).etag, warm.etag);

    const states = await call(
      a,
      `/api/v1/environments/${apiKey}/featurestates/?feature=${(feature.body as { id: number }).id}`,
      {
        headers: auth,
      },
    );
    const stateId = (states.body as { results: { id: number }[] }).results[0]?.id;
    const changed = await call(a, `/api/v1/environments/${apiKey}/featurestates/${stateId}/`, {
      method: 'PATCH',
      headers: auth,
      json: { enabled: true, feature_state_value: 'after' },
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));

    // The notification travels over process two's listening connection; it is asynchronous, so allow it a
    // bounded number of polls (a bound on waiting, not an assertion about speed).
    let seen = await flagsOn(b);
    for (let attempt = 0; attempt < 200 && seen.flag?.feature_state_value !== 'after'; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      seen = await flagsOn(b);
    }
    assert.equal(seen.flag?.feature_state_value, 'after');
    assert.equal(seen.flag?.enabled, true);
    assert.notEqual(seen.etag, warm.etag);
  });
});
