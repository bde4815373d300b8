import { strict as assert } from 'node:assert';
import request from 'supertest';
import { loadSettings } from '../../config/settings.js';
import { withTestApp } from '../../test/support/test-app.js';
import { buildRequestHandler } from '../app.js';
import { StartupError } from '../errors/startup-error.js';
import { CachedJson, type LeanRoute } from './lean-route.js';

const flagsPath = '/api/v1/test-flags/';
const cached = CachedJson.of([{ feature: { name: 'f' }, enabled: true }]);
const leanFlags: LeanRoute = {
  path: flagsPath,
  handlers: { GET: (exchange) => exchange.sendCached(cached) },
};

const preflight = (client: ReturnType<typeof request>, path: string, origin: string) =>
  client
    .options(path)
    .set('Origin', origin)
    .set('Access-Control-Request-Method', 'POST')
    .set(
      'Access-Control-Request-Headers',
      'authorization, content-type, x-environment-key, flagsmith-sdk-user-agent',
    );

describe('CORS', () => {
  it('by default lets a page on any origin call the API, SDK headers included', async () => {
    await withTestApp({}, async (t) => {
      const client = request(buildRequestHandler(t.ctx, { lanes: [leanFlags] }));
      for (const path of [flagsPath, '/api/v1/auth/login/', '/api/v1/no-such-path/']) {
        const answer = await preflight(client, path, 'https://shop.example');
        assert.equal(answer.status, 200, path);
        assert.equal(answer.text, '');
        assert.equal(answer.headers['access-control-allow-origin'], '*');
        const allowed = (answer.headers['access-control-allow-headers'] ?? '').split(', ');
        for (const header of [
          'authorization',
          'content-type',
          'x-environment-key',
          'flagsmith-sdk-user-agent',
        ])
          assert.ok(allowed.includes(header), `${path}: ${header}`);
        assert.match(answer.headers['access-control-allow-methods'] ?? '', /GET.*POST/);
        assert.equal(answer.headers['access-control-max-age'], '86400');
      }
      const lean = await client.get(flagsPath).set('Origin', 'https://shop.example');
      const viaExpress = await client.get('/api/v1/auth/users/me/').set('Origin', 'https://shop.example');
      assert.equal(lean.headers['access-control-allow-origin'], '*');
      assert.equal(viaExpress.status, 401);
      assert.equal(
        viaExpress.headers['access-control-allow-origin'],
        '*',
        'errors are readable cross-origin too',
      );
      const sameSite = await client.get(flagsPath);
      assert.equal(sameSite.headers['access-control-allow-origin'], undefined, 'no Origin, no CORS headers');
      assert.equal(sameSite.headers.vary, undefined);
    });
  });

  it('CORS_ALLOWED_ORIGINS narrows it to a list, echoing the origin and varying by it', async () => {
    await withTestApp({ CORS_ALLOWED_ORIGINS: 'https://app.example, http://localhost:3000' }, async (t) => {
      const client = request(buildRequestHandler(t.ctx, { lanes: [leanFlags] }));
      for (const path of [flagsPath, '/api/v1/auth/login/']) {
        const allowed = await preflight(client, path, 'https://APP.example');
        assert.equal(allowed.headers['access-control-allow-origin'], 'https://app.example', path);
        assert.equal(allowed.headers.vary, 'Origin');
        const other = await preflight(client, path, 'https://evil.example');
        assert.equal(other.status, 200);
        assert.equal(
          other.headers['access-control-allow-origin'],
          undefined,
          `${path}: the browser refuses it`,
        );
        assert.equal(other.headers['access-control-allow-headers'], undefined);
      }
      const local = await client.get(flagsPath).set('Origin', 'http://localhost:3000');
      assert.equal(local.headers['access-control-allow-origin'], 'http://localhost:3000');
      assert.equal(local.headers.vary, 'Origin');
      const evil = await client.get(flagsPath).set('Origin', 'http://localhost:3001');
      assert.equal(evil.headers['access-control-allow-origin'], undefined);
      assert.equal(evil.status, 200, 'CORS decides what a browser may read, not whether the server answers');
    });
  });

  it('refuses a CORS_ALLOWED_ORIGINS entry that is not an origin, naming the variable', () => {
    for (const value of [
      'app.example',
      'https://app.example/path',
      'https://*.example.com',
      'ftp://x.example',
    ]) {
      assert.throws(
        () => loadSettings({ CORS_ALLOWED_ORIGINS: value }),
        (error: unknown) => error instanceof StartupError && /^CORS_ALLOWED_ORIGINS=/.test(error.message),
        value,
      );
    }
    assert.deepEqual(loadSettings({}).corsAllowedOrigins, ['*']);
  });
});
