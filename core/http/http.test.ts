import { strict as assert } from 'node:assert';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createTestApp, type TestApp, withTestApp } from '../../test/support/test-app.js';

describe('HTTP behaviour common to every route', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  it('answers malformed JSON with 400, never 500', async () => {
    const response = await request(t.app)
      .post('/api/v1/auth/login/')
      .set('Content-Type', 'application/json')
      .send('{"email": "a@b.c", "password": ');
    assert.equal(response.status, 400);
    assert.match(response.body.detail, /^JSON parse error/);
  });

  it('answers a JSON body that is not an object with a field-less 400', async () => {
    const response = await request(t.app)
      .post('/api/v1/auth/users/')
      .set('Content-Type', 'application/json')
      .send('[1,2]');
    assert.equal(response.status, 400);
    assert.ok(response.body.non_field_errors);
  });

  it('answers unknown routes with a JSON 404', async () => {
    for (const path of ['/api/v1/nothing-here/', '/nowhere']) {
      const response = await request(t.app).get(path);
      assert.equal(response.status, 404);
      assert.deepEqual(response.body, { detail: 'Not found.' });
    }
  });

  it('answers an unsupported method with 405 and Allow', async () => {
    const response = await request(t.app).put('/api/v1/auth/login/');
    assert.equal(response.status, 405);
    assert.deepEqual(response.body, { detail: 'Method "PUT" not allowed.' });
    assert.equal(response.headers.allow, 'POST, OPTIONS');
  });

  it('answers a body it cannot parse with 415', async () => {
    const response = await request(t.app)
      .post('/api/v1/auth/login/')
      .set('Content-Type', 'text/plain')
      .send('hello');
    assert.equal(response.status, 415);
    assert.deepEqual(response.body, { detail: 'Unsupported media type "text/plain" in request.' });
  });

  it('answers an oversized body with 413', async () => {
    const response = await request(t.app)
      .post('/api/v1/auth/login/')
      .send({ email: 'a@b.c', password: 'x'.repeat(t.settings.bodyLimitBytes + 10) });
    assert.equal(response.status, 413);
    assert.ok(response.body.detail);
  });

  it("sets Flagsmith's security headers on API answers, helmet's on pages, and marks API responses uncacheable", async () => {
    const response = await request(t.app).get('/api/v1/auth/users/me/');
    assert.equal(response.headers['x-content-type-options'], 'nosniff');
    assert.equal(response.headers['x-frame-options'], 'DENY');
    assert.equal(response.headers['referrer-policy'], 'same-origin');
    assert.equal(response.headers['content-security-policy'], undefined);
    assert.equal(response.headers['x-powered-by'], undefined);
    const page = await request(t.app).get('/health/liveness/');
    assert.match(page.headers['content-security-policy'] ?? '', /default-src 'self'/);
    assert.equal(page.headers['cache-control'], undefined);
    assert.equal(
      response.headers['cache-control'],
      'max-age=0, no-cache, no-store, must-revalidate, private',
    );
  });

  it('reports liveness, and readiness from the database', async () => {
    assert.deepEqual((await request(t.app).get('/health/liveness/')).body, { status: 'ok' });
    for (const path of ['/health/readiness/', '/health', '/health/']) {
      const response = await request(t.app).get(path);
      assert.equal(response.status, 200, path);
      assert.equal(response.body.checks.database, 'ok');
    }
  });
});

describe('readiness while the database is down', () => {
  it('answers 503', async () => {
    const t = await createTestApp();
    await t.ctx.database.close();
    const response = await request(t.app).get('/health/readiness/');
    assert.equal(response.status, 503);
    assert.equal(response.body.checks.database, 'unavailable');
    assert.equal((await request(t.app).get('/health/liveness/')).status, 200);
  });
});

describe('deployment settings that shape requests', () => {
  it('DJANGO_ALLOWED_HOSTS refuses other Host headers', async () => {
    await withTestApp({ DJANGO_ALLOWED_HOSTS: 'flags.example.com,.example.org' }, async (t) => {
      assert.equal(
        (await request(t.app).get('/health/liveness/').set('Host', 'flags.example.com')).status,
        200,
      );
      assert.equal(
        (await request(t.app).get('/health/liveness/').set('Host', 'eu.example.org:8000')).status,
        200,
      );
      const refused = await request(t.app).get('/health/liveness/').set('Host', 'evil.test');
      assert.equal(refused.status, 400);
      assert.deepEqual(refused.body, { detail: 'Invalid HTTP_HOST header.' });
    });
  });

  it('refuses a Host that is no host name at all, as Django does, even with DJANGO_ALLOWED_HOSTS=*', async () => {
    const refusedHosts = [
      'allowed.example, evil.example',
      'allowed.example evil.example',
      'user@allowed.example',
      'allowed.example/path',
      'allowed_example.com',
      'allowed.example:80x',
      '[::1',
    ];
    await withTestApp({}, async (anyHost) => {
      for (const host of refusedHosts) {
        const refused = await request(anyHost.app).get('/health/liveness/').set('Host', host);
        assert.equal(refused.status, 400, host);
        assert.deepEqual(refused.body, { detail: 'Invalid HTTP_HOST header.' });
      }
      for (const host of [
        'Flags.Example.COM',
        'flags.example.com.',
        '127.0.0.1:8000',
        '[::1]:8000',
        'localhost',
      ]) {
        assert.equal(
          (await request(anyHost.app).get('/health/liveness/').set('Host', host)).status,
          200,
          host,
        );
      }
    });
    await withTestApp({ DJANGO_ALLOWED_HOSTS: 'allowed.example' }, async (listed) => {
      const first = await request(listed.app)
        .get('/health/liveness/')
        .set('Host', 'allowed.example, evil.example');
      assert.equal(first.status, 400, 'a list is refused even when its first entry is allowed');
      const dotted = await request(listed.app).get('/health/liveness/').set('Host', 'allowed.example.:443');
      assert.equal(dotted.status, 200, 'a fully-qualified name with its trailing dot is the same host');
    });
    await withTestApp(
      { DJANGO_ALLOWED_HOSTS: 'allowed.example', USE_X_FORWARDED_HOST: 'true' },
      async (proxied) => {
        const forwarded = await request(proxied.app)
          .get('/health/liveness/')
          .set('Host', 'allowed.example')
          .set('X-Forwarded-Host', 'allowed.example, evil.example');
        assert.equal(forwarded.status, 400, 'X-Forwarded-Host is taken whole, as Django takes it');
      },
    );
  });

  it('ALLOWED_ADMIN_IP_ADDRESSES keeps other addresses away from /admin/', async () => {
    await withTestApp({ ALLOWED_ADMIN_IP_ADDRESSES: '127.0.0.1' }, async (allowed) => {
      // No console is mounted yet, so an allowed caller reaches the 404 behind the guard.
      assert.equal((await request(allowed.app).get('/admin/')).status, 404);
    });
    await withTestApp({ ALLOWED_ADMIN_IP_ADDRESSES: '10.1.2.3' }, async (other) => {
      const refused = await request(other.app).get('/admin/');
      assert.equal(refused.status, 403);
      assert.equal((await request(other.app).get('/health/liveness/')).status, 200, 'only /admin is guarded');
    });
  });

  it('NUM_PROXIES decides whether X-Forwarded-For names the client', async () => {
    await withTestApp({ ALLOWED_ADMIN_IP_ADDRESSES: '203.0.113.7' }, async (direct) => {
      const spoofed = await request(direct.app).get('/admin/').set('X-Forwarded-For', '203.0.113.7');
      assert.equal(spoofed.status, 403, 'without trusted proxies the header is ignored');
    });
    await withTestApp({ ALLOWED_ADMIN_IP_ADDRESSES: '203.0.113.7', NUM_PROXIES: '1' }, async (proxied) => {
      const forwarded = await request(proxied.app)
        .get('/admin/')
        .set('X-Forwarded-For', '198.51.100.1, 203.0.113.7');
      assert.equal(forwarded.status, 404, 'the address the proxy saw is the client');
      const other = await request(proxied.app)
        .get('/admin/')
        .set('X-Forwarded-For', '203.0.113.7, 198.51.100.1');
      assert.equal(other.status, 403, 'only the last hop, written by our proxy, is trusted');
    });
  });

  it('ACCESS_LOG_LOCATION writes one JSON line per request to the named file', async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'vexil-access-')), 'logs', 'access.log');
    await withTestApp({ ACCESS_LOG_LOCATION: file }, async (t) => {
      await request(t.app).get('/health/liveness/?probe=1');
      await request(t.app).get('/api/v1/auth/users/me/');
      // The log is written asynchronously (off the request path), so give it a moment to land.
      let lines: Record<string, { method?: string; url?: string; statusCode?: number }>[] = [];
      for (let attempt = 0; attempt < 50 && lines.length < 2; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        const text = await readFile(file, 'utf8').catch(() => '');
        lines = text
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line));
      }
      assert.equal(lines.length, 2);
      assert.equal(lines[0]?.req?.url, '/health/liveness/?probe=1');
      assert.equal(lines[0]?.res?.statusCode, 200);
      assert.equal(lines[1]?.res?.statusCode, 401);
    });
  });

  it('ENABLE_GZIP_COMPRESSION compresses responses', async () => {
    await withTestApp({ ENABLE_GZIP_COMPRESSION: 'true' }, async (t) => {
      const page = await request(t.app).get('/api/v1/users/config/init/').set('Accept-Encoding', 'gzip');
      assert.equal(page.headers['content-encoding'], 'gzip');
    });
    await withTestApp({}, async (plain) => {
      const page = await request(plain.app).get('/api/v1/users/config/init/').set('Accept-Encoding', 'gzip');
      assert.equal(page.headers['content-encoding'], undefined);
    });
  });
});
