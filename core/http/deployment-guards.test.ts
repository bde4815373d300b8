import { strict as assert } from 'node:assert';
import request from 'supertest';
import { type TestApp, withTestApp } from '../../test/support/test-app.js';

describe('host and admin guards at their defaults', () => {
  it('USE_X_FORWARDED_HOST is off by default: X-Forwarded-Host neither admits nor refuses', async () => {
    await withTestApp({ DJANGO_ALLOWED_HOSTS: 'flags.example.com' }, async (t) => {
      const spoofed = await request(t.app)
        .get('/health/liveness/')
        .set({ Host: 'evil.test', 'X-Forwarded-Host': 'flags.example.com' });
      assert.equal(spoofed.status, 400, 'a forwarded name does not stand in for the Host');
      const real = await request(t.app)
        .get('/health/liveness/')
        .set({ Host: 'flags.example.com', 'X-Forwarded-Host': 'evil.test' });
      assert.equal(real.status, 200);
    });
  });

  it('USE_X_FORWARDED_HOST=true checks the forwarded name instead', async () => {
    await withTestApp(
      { DJANGO_ALLOWED_HOSTS: 'flags.example.com', USE_X_FORWARDED_HOST: 'true' },
      async (t) => {
        const forwarded = await request(t.app)
          .get('/health/liveness/')
          .set({ Host: 'internal:8000', 'X-Forwarded-Host': 'flags.example.com' });
        assert.equal(forwarded.status, 200);
        const refused = await request(t.app)
          .get('/health/liveness/')
          .set({ Host: 'flags.example.com', 'X-Forwarded-Host': 'evil.test' });
        assert.equal(refused.status, 400);
      },
    );
  });

  it('an empty ALLOWED_ADMIN_IP_ADDRESSES lets every address reach /admin/', async () => {
    for (const env of [{}, { ALLOWED_ADMIN_IP_ADDRESSES: ' , ' }]) {
      await withTestApp(env, async (t) => {
        // No console is mounted yet, so passing the guard means reaching the 404 behind it.
        const response = await request(t.app).get('/admin/');
        assert.equal(response.status, 404, JSON.stringify(env));
      });
    }
  });

  it('an IPv4 client the proxy reports in IPv6-mapped form matches its plain address', async () => {
    await withTestApp({ ALLOWED_ADMIN_IP_ADDRESSES: '203.0.113.7', NUM_PROXIES: '1' }, async (t) => {
      const mapped = await request(t.app).get('/admin/').set('X-Forwarded-For', '::ffff:203.0.113.7');
      assert.equal(mapped.status, 404);
      const other = await request(t.app).get('/admin/').set('X-Forwarded-For', '::ffff:203.0.113.8');
      assert.equal(other.status, 403);
    });
  });
});

describe('DJANGO_ALLOWED_HOSTS patterns', () => {
  const status = async (t: TestApp, host: string) =>
    (await request(t.app).get('/health/liveness/').set('Host', host)).status;

  it('a leading dot matches the domain itself and its subdomains, nothing else', async () => {
    await withTestApp({ DJANGO_ALLOWED_HOSTS: '.example.org' }, async (t) => {
      assert.equal(await status(t, 'example.org'), 200);
      assert.equal(await status(t, 'eu.example.org:8000'), 200);
      assert.equal(await status(t, 'EU.Example.ORG'), 200);
      assert.equal(await status(t, 'badexample.org'), 400);
      assert.equal(await status(t, 'example.org.evil.test'), 400);
    });
  });

  it('a plain name matches only itself, whatever the port', async () => {
    await withTestApp({ DJANGO_ALLOWED_HOSTS: 'flags.example.com' }, async (t) => {
      assert.equal(await status(t, 'flags.example.com:8443'), 200);
      assert.equal(await status(t, 'sub.flags.example.com'), 400);
      assert.equal(await status(t, 'evilflags.example.com'), 400);
      assert.equal(await status(t, 'lags.example.com'), 400);
    });
  });

  it('an IPv6 literal is compared without its brackets and port', async () => {
    await withTestApp({ DJANGO_ALLOWED_HOSTS: '::1' }, async (t) => {
      assert.equal(await status(t, '[::1]:8000'), 200);
      assert.equal(await status(t, '[::1]'), 200);
      assert.equal(await status(t, '[::2]:8000'), 400);
    });
  });
});
