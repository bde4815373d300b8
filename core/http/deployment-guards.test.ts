import { strict as assert } from 'node:assert';
import request from 'supertest';
import { withTestApp } from '../../test/support/test-app.js';

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
});
