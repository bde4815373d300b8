import { strict as assert } from 'node:assert';
import request from 'supertest';
import { createTestApp, type TestApp, withTestApp } from '../../test/support/test-app.js';

const form = {
  username: 'admin',
  email: 'admin@example.com',
  password: 'a long password',
  site_name: 'Acme Flags',
  site_domain: 'flags.acme.test',
};

function post(t: TestApp, headers: Record<string, string>) {
  return request(t.app)
    .post('/api/v1/users/config/init/')
    .set({ Accept: 'application/json', ...headers })
    .send(form);
}

async function userCount(t: TestApp): Promise<number> {
  const [row] = await t.ctx.database.knex('users').count('id as count');
  return Number(row?.count);
}

/**
 * Each accepted post claims the installation; removing the superuser again returns it to a fresh state,
 * so that one app (and one database) serves a whole group of cases.
 */
async function accepted(t: TestApp, headers: Record<string, string>): Promise<void> {
  const response = await post(t, headers);
  assert.equal(response.status, 201, `${JSON.stringify(headers)}: ${JSON.stringify(response.body)}`);
  assert.equal(await userCount(t), 1);
  await t.ctx.database.knex('auth_tokens').delete();
  await t.ctx.database.knex('users').delete();
}

describe('first-run form: the origin check', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ DJANGO_CSRF_TRUSTED_ORIGINS: 'https://*.example.com,http://admin.test:9000' });
  });
  after(() => t.close());

  async function refused(headers: Record<string, string>, detail: string): Promise<void> {
    const response = await post(t, { Host: 'flags.acme.test:8000', ...headers });
    assert.equal(response.status, 403, JSON.stringify(headers));
    assert.deepEqual(response.body, { detail: `CSRF Failed: ${detail}` }, JSON.stringify(headers));
  }

  it('refuses a post with neither Origin nor Referer', async () => {
    await refused({}, 'Referer checking failed - no Referer.');
  });

  it('refuses Origin: null unless a trusted Referer backs it', async () => {
    await refused({ Origin: 'null' }, 'Referer checking failed - no Referer.');
    await refused(
      { Origin: 'null', Referer: 'http://evil.test/page' },
      'Referer checking failed - http://evil.test/page does not match any trusted origins.',
    );
    await refused(
      { Origin: 'null', Referer: 'not a url' },
      'Referer checking failed - Referer is malformed.',
    );
  });

  it('compares the scheme: an https Origin does not match a plain http request', async () => {
    await refused(
      { Origin: 'https://flags.acme.test:8000' },
      'Origin checking failed - https://flags.acme.test:8000 does not match any trusted origins.',
    );
  });

  it('compares the port and the host', async () => {
    await refused(
      { Origin: 'http://flags.acme.test:8001' },
      'Origin checking failed - http://flags.acme.test:8001 does not match any trusted origins.',
    );
    await refused(
      { Origin: 'http://flags.acme.test' },
      'Origin checking failed - http://flags.acme.test does not match any trusted origins.',
    );
    await refused(
      { Origin: 'http://evil.test:8000' },
      'Origin checking failed - http://evil.test:8000 does not match any trusted origins.',
    );
  });

  it('does not let a Referer rescue a cross-site Origin', async () => {
    await refused(
      { Origin: 'http://evil.test', Referer: 'http://flags.acme.test:8000/api/v1/users/config/init/' },
      'Origin checking failed - http://evil.test does not match any trusted origins.',
    );
  });

  it('ignores X-Forwarded-Host unless USE_X_FORWARDED_HOST is set', async () => {
    await refused(
      { 'X-Forwarded-Host': 'public.test', Origin: 'http://public.test' },
      'Origin checking failed - http://public.test does not match any trusted origins.',
    );
  });

  it('refuses an Origin that is not an http(s) origin at all', async () => {
    for (const origin of ['not a url', 'ftp://flags.acme.test:8000', 'file://']) {
      await refused(
        { Origin: origin },
        `Origin checking failed - ${origin} does not match any trusted origins.`,
      );
    }
    await refused(
      { Referer: 'ftp://flags.acme.test:8000/init' },
      'Referer checking failed - Referer is malformed.',
    );
  });

  it('reads only the first X-Forwarded-Proto value, trimmed', async () => {
    await refused(
      { 'X-Forwarded-Proto': 'http , https', Origin: 'https://flags.acme.test:8000' },
      'Origin checking failed - https://flags.acme.test:8000 does not match any trusted origins.',
    );
  });

  it('matches DJANGO_CSRF_TRUSTED_ORIGINS by scheme, port and domain', async () => {
    for (const origin of [
      'http://admin.example.com',
      'https://example.com.evil.test',
      'http://admin.test',
      'http://other.test:9000',
      'https://badexample.com',
    ]) {
      await refused(
        { Origin: origin },
        `Origin checking failed - ${origin} does not match any trusted origins.`,
      );
    }
  });

  it('answers a refused browser form with a page, not JSON', async () => {
    const response = await request(t.app)
      .post('/api/v1/users/config/init/')
      .set('Accept', 'text/html')
      .type('form')
      .send(form);
    assert.equal(response.status, 403);
    assert.match(response.text, /CSRF Failed: Referer checking failed - no Referer\./);
  });

  it('serves the form with Referrer-Policy: same-origin, so that browsers post it with a real Origin', async () => {
    // Under helmet's default no-referrer a browser would send `Origin: null` and no Referer.
    const page = await request(t.app).get('/api/v1/users/config/init/');
    assert.equal(page.headers['referrer-policy'], 'same-origin');
  });

  it('created nothing', async () => {
    assert.equal(await userCount(t), 0);
  });
});

describe('first-run form: origins that pass', () => {
  it('accepts its own origin, with default ports implied', async () => {
    await withTestApp({}, async (t) => {
      await accepted(t, { Host: 'flags.acme.test:8000', Origin: 'http://flags.acme.test:8000' });
      await accepted(t, { Host: 'flags.acme.test', Origin: 'http://FLAGS.acme.test:80' });

      const referer = 'http://flags.acme.test:8000/api/v1/users/config/init/';
      await accepted(t, { Host: 'flags.acme.test:8000', Referer: referer });
      await accepted(t, { Host: 'flags.acme.test:8000', Origin: 'null', Referer: referer });

      // SECURE_PROXY_SSL_HEADER's default: X-Forwarded-Proto: https, its first value only.
      const https = { Host: 'flags.acme.test', Origin: 'https://flags.acme.test:443' };
      await accepted(t, { ...https, 'X-Forwarded-Proto': 'https' });
      await accepted(t, { ...https, 'X-Forwarded-Proto': 'https, http' });
      await accepted(t, { ...https, 'X-Forwarded-Proto': 'https ,http' });
      const refused = await post(t, { ...https, 'X-Forwarded-Proto': 'http, https' });
      assert.equal(refused.status, 403);
    });
  });

  it('takes the scheme from the header SECURE_PROXY_SSL_HEADER_NAME/_VALUE name, and no other', async () => {
    await withTestApp(
      { SECURE_PROXY_SSL_HEADER_NAME: 'HTTP_X_SCHEME', SECURE_PROXY_SSL_HEADER_VALUE: 'secure' },
      async (t) => {
        const https = { Host: 'flags.acme.test', Origin: 'https://flags.acme.test' };
        for (const headers of [
          { 'X-Forwarded-Proto': 'https' },
          { 'X-Scheme': 'insecure' },
          { 'X-Scheme': 'http, secure' },
        ]) {
          const response = await post(t, { ...https, ...headers });
          assert.equal(response.status, 403, JSON.stringify(headers));
        }
        assert.equal(await userCount(t), 0);
        await accepted(t, { ...https, 'X-Scheme': 'secure' });
      },
    );
  });

  it('takes the host from X-Forwarded-Host when USE_X_FORWARDED_HOST is set', async () => {
    await withTestApp({ USE_X_FORWARDED_HOST: 'true' }, async (t) => {
      await accepted(t, {
        Host: 'internal:8000',
        'X-Forwarded-Host': 'public.test',
        Origin: 'http://public.test',
      });
    });
  });

  it('accepts DJANGO_CSRF_TRUSTED_ORIGINS, wildcard subdomains included', async () => {
    await withTestApp(
      { DJANGO_CSRF_TRUSTED_ORIGINS: 'https://*.example.com,http://admin.test:9000' },
      async (t) => {
        await accepted(t, { Host: 'internal:8000', Origin: 'https://flags.example.com' });
        await accepted(t, { Host: 'internal:8000', Origin: 'https://example.com:443' });
        await accepted(t, { Host: 'internal:8000', Origin: 'http://admin.test:9000' });
        await accepted(t, { Host: 'internal:8000', Referer: 'http://admin.test:9000/setup' });
      },
    );
  });
});
