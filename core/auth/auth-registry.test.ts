import { strict as assert } from 'node:assert';
import { Router } from 'express';
import { Strategy } from 'passport-strategy';
import request from 'supertest';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { DomainError, ErrorCode, ValidationError } from '../errors/domain-error.js';
import { route } from '../http/routes.js';
import { type Permission, permissions } from './permission.js';
import type { Principal } from './principal.js';

/** What a plugin adding its own key scheme would register: `Authorization: Plugin-Key <key>` (core owns `Api-Key`). */
class ApiKeyStrategy extends Strategy {
  readonly name = 'test-api-key';
  override authenticate(req: import('express').Request): void {
    const header = req.headers.authorization ?? '';
    if (!header.startsWith('Plugin-Key ')) return void this.fail(401);
    if (header !== 'Plugin-Key good-key') {
      return void this.error(new DomainError(ErrorCode.invalidCredential, 'Invalid API key.'));
    }
    const principal: Principal = { kind: 'organisationApiKey', organisationId: 7, keyId: 1, isAdmin: true };
    this.success(principal);
  }
}

const organisationKeysOnly: Permission = {
  name: 'IsOrganisationApiKey',
  allows: (principal) => principal.kind === 'organisationApiKey',
};

function pluginRouter(): Router {
  const router = Router();
  route(router, '/whoami/', {
    get: { permission: permissions.allowAny, handle: (req, res) => void res.json(req.principal) },
  });
  route(router, '/keys-only/', {
    get: { permission: organisationKeysOnly, handle: (_req, res) => void res.json({ ok: true }) },
  });
  route(router, '/fails/', {
    post: {
      permission: permissions.allowAny,
      handle: (req) => {
        if (req.body?.kind === 'validation') throw ValidationError.field('name', 'This field is required.');
        if (req.body?.kind === 'busy')
          throw new DomainError(ErrorCode.passwordChecksBusy, 'Slow down.', { retryAfterSeconds: 3 });
        throw new Error('a bug');
      },
    },
  });
  return router;
}

describe('principals, credential strategies and plugin routers', () => {
  let t: TestApp;
  let token: string;
  before(async () => {
    t = await createTestApp(
      {},
      {
        beforeBuild: (ctx) => {
          ctx.auth.addCredentialStrategy(new ApiKeyStrategy());
          ctx.routes.mount('test-plugin', 'api', '/test-plugin', pluginRouter());
        },
      },
    );
    const created = await request(t.app)
      .post('/api/v1/auth/users/')
      .send({ email: 'p@example.com', password: 'principal pw 1', first_name: 'P', last_name: 'Q' });
    token = created.body.key;
  });
  after(() => t.close());

  it('gives every API request a principal: anonymous, a user, or what a plugin strategy made', async () => {
    assert.deepEqual((await request(t.app).get('/api/v1/test-plugin/whoami/')).body, { kind: 'anonymous' });
    const asUser = await request(t.app)
      .get('/api/v1/test-plugin/whoami/')
      .set('Authorization', `Token ${token}`);
    assert.equal(asUser.body.kind, 'user');
    assert.equal(asUser.body.user.email, 'p@example.com');
    const asKey = await request(t.app)
      .get('/api/v1/test-plugin/whoami/')
      .set('Authorization', 'Plugin-Key good-key');
    assert.deepEqual(asKey.body, { kind: 'organisationApiKey', organisationId: 7, keyId: 1, isAdmin: true });
  });

  it("a plugin strategy's refusal is a 401 in DRF's shape", async () => {
    const bad = await request(t.app)
      .get('/api/v1/test-plugin/whoami/')
      .set('Authorization', 'Plugin-Key nope');
    assert.equal(bad.status, 401);
    assert.deepEqual(bad.body, { detail: 'Invalid API key.' });
    assert.equal(bad.headers['www-authenticate'], 'Token');
  });

  it('refuses by the declared permission: 401 when anonymous, 403 for a principal it does not allow', async () => {
    const anonymous = await request(t.app).get('/api/v1/test-plugin/keys-only/');
    assert.equal(anonymous.status, 401);
    assert.deepEqual(anonymous.body, { detail: 'Authentication credentials were not provided.' });
    const user = await request(t.app)
      .get('/api/v1/test-plugin/keys-only/')
      .set('Authorization', `Token ${token}`);
    assert.equal(user.status, 403);
    assert.deepEqual(user.body, { detail: 'You do not have permission to perform this action.' });
    const key = await request(t.app)
      .get('/api/v1/test-plugin/keys-only/')
      .set('Authorization', 'Plugin-Key good-key');
    assert.equal(key.status, 200);
  });

  it("renders a plugin router's errors with the core error handler", async () => {
    const invalid = await request(t.app).post('/api/v1/test-plugin/fails/').send({ kind: 'validation' });
    assert.equal(invalid.status, 400);
    assert.deepEqual(invalid.body, { name: ['This field is required.'] });
    const busy = await request(t.app).post('/api/v1/test-plugin/fails/').send({ kind: 'busy' });
    assert.equal(busy.status, 429);
    assert.equal(busy.headers['retry-after'], '3');
    const bug = await request(t.app).post('/api/v1/test-plugin/fails/').send({});
    assert.equal(bug.status, 500);
    assert.deepEqual(bug.body, { detail: 'A server error occurred.' });
    const wrongMethod = await request(t.app).get('/api/v1/test-plugin/fails/');
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.allow, 'POST, OPTIONS');
  });

  it('will not mount a handler that declares no permission', () => {
    const router = Router();
    assert.throws(
      () => route(router, '/open/', { get: { handle: () => undefined } as never }),
      /route GET \/open\/ declares no permission/,
    );
  });

  it('will not register two strategies under one name', () => {
    assert.throws(() => t.ctx.auth.addCredentialStrategy(new ApiKeyStrategy()), /already registered/);
  });
});
