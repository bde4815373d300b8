import { strict as assert } from 'node:assert';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import request from 'supertest';
import { loadSettings } from '../../config/settings.js';
import type { Database } from '../../db/database.js';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { createTestDatabase } from '../../test/support/test-database.js';
import { buildApp } from '../app.js';
import type { AppContext } from '../app-context.js';
import { AuditStore } from '../audit/audit-store.js';
import { composeContext, disposeContext } from '../compose.js';
import {
  as,
  createOrganisation,
  createTenancy,
  joinAs,
  type Person,
  signUp,
  type Tenancy,
} from '../organisations/tenancy-test-fixture.js';
import { pythonJsonDumps } from './python-json.js';
import { type FlagChangeData, WebhookOutbox } from './webhook-outbox.js';
import { postWebhook } from './webhook-sender.js';
import { signPayload } from './webhook-signature.js';
import { isPrivateAddress, RefusedTargetError } from './webhook-target.js';
import { TestReceiver } from './webhook-test-receiver.js';
import { defaultDeliveryOptions, WebhookWorker } from './webhook-worker.js';

const quickRetries = { baseDelayMs: 20, maxDelayMs: 200, timeoutMs: 400, pollMs: 2_000 };
const env = { ENV: 'test', DJANGO_SECRET_KEY: 'test-secret-key', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' };
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

async function compose(database: Database, delivery: Record<string, unknown> = {}) {
  const ctx = await composeContext(loadSettings(env), {
    database,
    migrate: false,
    logger,
    webhookDelivery: { ...quickRetries, ...delivery },
  });
  return { ctx, app: buildApp(ctx) };
}

/** Waits (bounded by mocha's timeout) until `check` holds: the outbox is written by a background worker. */
async function eventually<T>(check: () => Promise<T | undefined | false>): Promise<T> {
  for (;;) {
    const value = await check();
    if (value) return value;
    await sleep(10);
  }
}

describe('webhooks', () => {
  let receiver: TestReceiver;
  let ctx: AppContext;
  let app: ReturnType<typeof buildApp>;
  let admin: Person;
  const api = () => request(app);

  before(async () => {
    receiver = new TestReceiver();
    await receiver.listen();
    ({ ctx, app } = await compose(await createTestDatabase()));
    const response = await api()
      .post('/api/v1/auth/users/')
      .send({
        email: `hooks-${Date.now()}@example.com`,
        password: 'webhook pw 1',
        first_name: 'A',
        last_name: 'B',
      });
    admin = { id: response.body.id, email: response.body.email, token: response.body.key };
  });
  after(async () => {
    await disposeContext(ctx);
    await receiver.close();
  });

  const organisation = async () =>
    (
      await api()
        .post('/api/v1/organisations/')
        .set(as(admin))
        .send({ name: `Hooked ${Date.now()}` })
    ).body.id as number;
  const hook = async (organisationId: number, path: string, extra: Record<string, unknown> = {}) => {
    const created = await api()
      .post(`/api/v1/organisations/${organisationId}/webhooks/`)
      .set(as(admin))
      .send({ url: receiver.url(path), secret: 'shh', ...extra });
    assert.equal(created.status, 201, created.text);
    return created.body as { id: number; url: string; secret: string; enabled: boolean };
  };
  const outboxRows = (webhookId: number) =>
    ctx.database
      .knex('webhook_deliveries')
      .where({ webhook_kind: 'organisation', webhook_id: webhookId })
      .orderBy('id');

  it('sends every audit entry of the organisation as AUDIT_LOG_CREATED, signed, with Flagsmith’s body', async () => {
    const organisationId = await organisation();
    const webhook = await hook(organisationId, '/ok');
    assert.deepEqual(Object.keys(webhook).sort(), [
      'created_at',
      'enabled',
      'id',
      'secret',
      'updated_at',
      'url',
    ]);
    const first = await receiver.next('/ok');
    assert.equal(JSON.parse(first.body).data.log, 'New Organisation Webhook created');

    const group = await api()
      .post(`/api/v1/organisations/${organisationId}/groups/`)
      .set(as(admin))
      .send({ name: 'Hooked group' });
    assert.equal(group.status, 201);
    const delivered = await receiver.next('/ok');
    assert.equal(delivered.headers['content-type'], 'application/json');
    assert.equal(delivered.headers['x-flagsmith-signature'], signPayload(delivered.body, 'shh'));
    assert.notEqual(delivered.headers['x-flagsmith-signature'], signPayload(delivered.body, 'other'));
    const payload = JSON.parse(delivered.body);
    assert.equal(payload.event_type, 'AUDIT_LOG_CREATED');
    // Python's json.dumps(sort_keys=True): "data" before "event_type", ", " and ": " between items.
    assert.equal(delivered.body, pythonJsonDumps(payload));
    assert.match(delivered.body, /^\{"data": \{"author": \{/);
    const audit = await api().get('/api/v1/audit/?page_size=1').set(as(admin));
    assert.deepEqual(payload.data, audit.body.results[0]);
    assert.equal(payload.data.log, 'New Group created: Hooked group');
    assert.equal(payload.data.author.email, admin.email);
    await eventually(async () => (await outboxRows(webhook.id)).every((row) => row.status === 'delivered'));
  });

  it('retries a failing receiver with backoff until it answers, and the API call does not wait for it', async () => {
    const organisationId = await organisation();
    const webhook = await hook(organisationId, '/fail-2');
    const attempts = [
      await receiver.next('/fail-2'),
      await receiver.next('/fail-2'),
      await receiver.next('/fail-2'),
    ];
    assert.ok(attempts.every((attempt) => attempt.body === attempts[0]?.body));
    const [row] = await eventually(async () => {
      const rows = await outboxRows(webhook.id);
      return rows[0]?.status === 'delivered' && rows;
    });
    assert.equal(row.attempts, 3);
    assert.ok(row.delivered_at instanceof Date);
  });

  it('cuts off a receiver that never answers, retries it, and answers the API call regardless', async () => {
    const organisationId = await organisation();
    const webhook = await hook(organisationId, '/hang');
    await receiver.next('/hang');
    // The receiver holds the first attempt open: the next change is answered all the same.
    const group = await api()
      .post(`/api/v1/organisations/${organisationId}/groups/`)
      .set(as(admin))
      .send({ name: 'Stuck' });
    assert.equal(group.status, 201);
    const [retried] = await eventually(async () => {
      const rows = await outboxRows(webhook.id);
      return rows[0]?.last_error && rows;
    });
    assert.match(retried.last_error, /no answer within 400 ms/);
    assert.equal(retried.status, 'pending');
    // Claimed again once its backoff ran out: a second attempt.
    await eventually(async () => ((await outboxRows(webhook.id))[0]?.attempts ?? 0) >= 2);
    await api()
      .patch(`/api/v1/organisations/${organisationId}/webhooks/${webhook.id}/`)
      .set(as(admin))
      .send({ enabled: false });
  });

  it('gives up after the last attempt', async () => {
    const { ctx: once, app: onceApp } = await compose(await createTestDatabase(), { maxAttempts: 2 });
    try {
      const owner = await signUp({ app: onceApp } as TestApp, 'giveup');
      const organisationId = (await createOrganisation({ app: onceApp } as TestApp, owner, 'Give up')).id;
      const created = await request(onceApp)
        .post(`/api/v1/organisations/${organisationId}/webhooks/`)
        .set(as(owner))
        .send({ url: receiver.url('/fail-99') });
      const [row] = await eventually(async () => {
        const rows = await once.database.knex('webhook_deliveries').where('webhook_id', created.body.id);
        return rows[0]?.status === 'failed' && rows;
      });
      assert.equal(row.attempts, 2);
      assert.match(row.last_error, /answered 500/);
      assert.equal(receiver.count('/fail-99'), 2);
    } finally {
      await disposeContext(once);
    }
  });

  it('delivers what a crashed process left in the outbox when a fresh one starts on the same database', async () => {
    const database = await createTestDatabase();
    const crashed = await compose(database, { start: false });
    const owner = await signUp({ app: crashed.app } as TestApp, 'crash');
    const organisationId = (await createOrganisation({ app: crashed.app } as TestApp, owner, 'Crashy')).id;
    const created = await request(crashed.app)
      .post(`/api/v1/organisations/${organisationId}/webhooks/`)
      .set(as(owner))
      .send({ url: receiver.url('/restart'), secret: 's' });
    await request(crashed.app)
      .post(`/api/v1/organisations/${organisationId}/groups/`)
      .set(as(owner))
      .send({ name: 'Left over' });
    const pending = await database
      .knex('webhook_deliveries')
      .where({ webhook_id: created.body.id })
      .orderBy('id');
    assert.deepEqual(
      pending.map((row) => [row.status, row.attempts]),
      [
        ['pending', 0],
        ['pending', 0],
      ],
    );
    crashed.ctx.cache.close();
    const restarted = await compose(database);
    try {
      const logs = [await receiver.next('/restart'), await receiver.next('/restart')]
        .map((received) => JSON.parse(received.body).data)
        .sort((a, b) => a.id - b.id)
        .map((data) => data.log);
      assert.deepEqual(logs, ['New Organisation Webhook created', 'New Group created: Left over']);
      await eventually(async () =>
        (await database.knex('webhook_deliveries').where({ webhook_id: created.body.id })).every(
          (row) => row.status === 'delivered',
        ),
      );
    } finally {
      await disposeContext(restarted.ctx);
    }
  });

  it('clears finished rows from the outbox once they are past the retention', async () => {
    const database = await createTestDatabase();
    await database.knex('webhook_deliveries').insert([
      {
        webhook_kind: 'organisation',
        webhook_id: 1,
        event_type: 'AUDIT_LOG_CREATED',
        body: '{}',
        status: 'delivered',
      },
      {
        webhook_kind: 'organisation',
        webhook_id: 1,
        event_type: 'AUDIT_LOG_CREATED',
        body: '{}',
        status: 'failed',
      },
      {
        webhook_kind: 'organisation',
        webhook_id: 1,
        event_type: 'AUDIT_LOG_CREATED',
        body: '{}',
        status: 'pending',
        next_attempt_at: database.knex.raw(`now() + interval '1 day'`),
      },
    ]);
    await database
      .knex('webhook_deliveries')
      .update({ created_at: database.knex.raw(`now() - interval '2 days'`) });
    const { ctx: purging } = await compose(database, { retentionMs: 24 * 60 * 60_000 });
    try {
      const left = await eventually(async () => {
        const rows = await database.knex('webhook_deliveries').select('status');
        return rows.length === 1 && rows;
      });
      assert.deepEqual(left, [{ status: 'pending' }]);
    } finally {
      await disposeContext(purging);
    }
  });

  it('stops at shutdown without waiting out a hanging receiver, handing the row back unspent', async () => {
    const database = await createTestDatabase();
    const running = await compose(database, { timeoutMs: 60_000 });
    const owner = await signUp({ app: running.app } as TestApp, 'shutdown');
    const organisationId = (await createOrganisation({ app: running.app } as TestApp, owner, 'Down')).id;
    await request(running.app)
      .post(`/api/v1/organisations/${organisationId}/webhooks/`)
      .set(as(owner))
      .send({ url: receiver.url('/hang-shutdown') });
    await receiver.next('/hang-shutdown');
    const rows = await database.knex('webhook_deliveries').select('status', 'attempts');
    assert.deepEqual(rows, [{ status: 'pending', attempts: 1 }]);
    // disposeContext closes the database: read the row on a context that shares it before that.
    await disposeContextKeepingDatabase(running.ctx);
    assert.deepEqual(await database.knex('webhook_deliveries').select('status', 'attempts'), [
      { status: 'pending', attempts: 0 },
    ]);
    await database.close();
  });

  it('manages organisation webhooks for the organisation’s admins only, refusing bad URLs', async () => {
    const organisationId = await organisation();
    const base = `/api/v1/organisations/${organisationId}/webhooks`;
    const created = await hook(organisationId, '/crud', { enabled: false });
    const listed = await api().get(`${base}/`).set(as(admin));
    assert.equal(listed.body.count, 1);
    assert.deepEqual(listed.body.results[0], created);
    assert.deepEqual((await api().get(`${base}/${created.id}/`).set(as(admin))).body, created);
    const patched = await api().patch(`${base}/${created.id}/`).set(as(admin)).send({ secret: 'new' });
    assert.equal(patched.body.secret, 'new');
    assert.equal(patched.body.url, created.url);
    const put = await api()
      .put(`${base}/${created.id}/`)
      .set(as(admin))
      .send({ url: receiver.url('/crud2') });
    assert.equal(put.body.url, receiver.url('/crud2'));
    assert.deepEqual((await api().post(`${base}/`).set(as(admin)).send({ url: 'ftp://x.example/' })).body, {
      url: ['Enter a valid URL.'],
    });
    assert.deepEqual((await api().post(`${base}/`).set(as(admin)).send({})).body, {
      url: ['This field is required.'],
    });
    assert.equal(
      (
        await api()
          .post(`${base}/`)
          .set(as(admin))
          .send({ url: receiver.url('/x'), enabled: 'yes' })
      ).status,
      400,
    );
    const stranger = await signUp({ app } as TestApp, 'stranger');
    assert.equal((await api().get(`${base}/`).set(as(stranger))).status, 404);
    assert.equal((await api().get(`${base}/${created.id}/`).set(as(stranger))).status, 404);
    const member = await signUp({ app } as TestApp, 'member');
    await joinAs({ app } as TestApp, admin, organisationId, member, 'USER');
    assert.equal((await api().get(`${base}/`).set(as(member))).status, 403);
    const otherOrganisation = await organisation();
    assert.equal(
      (await api().get(`/api/v1/organisations/${otherOrganisation}/webhooks/${created.id}/`).set(as(admin)))
        .status,
      404,
    );
    assert.equal((await api().delete(`${base}/${created.id}/`).set(as(admin))).status, 204);
    assert.equal((await api().get(`${base}/${created.id}/`).set(as(admin))).status, 404);
  });

  it('delivers FLAG_UPDATED to environment webhooks, managed under the environment’s key', async () => {
    const organisationId = await organisation();
    const project = await api()
      .post('/api/v1/projects/')
      .set(as(admin))
      .send({ name: 'Flags', organisation: organisationId });
    const [environment] = await ctx.database
      .knex('environments')
      .insert({ name: 'Production', project_id: project.body.id, api_key: `env-${Date.now()}` })
      .returning('*');
    const base = `/api/v1/environments/${environment.api_key}/webhooks`;
    const created = await api()
      .post(`${base}/`)
      .set(as(admin))
      .send({ url: receiver.url('/flags'), secret: 'flag secret' });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual((await api().get(`${base}/`).set(as(admin))).body, [created.body]);
    assert.equal((await api().get(`/api/v1/environments/unknown-key/webhooks/`).set(as(admin))).status, 404);
    const stranger = await signUp({ app } as TestApp, 'envstranger');
    assert.equal((await api().get(`${base}/`).set(as(stranger))).status, 404);
    assert.equal((await api().get(`${base}/`)).status, 401);

    const state = {
      enabled: true,
      environment: { id: environment.id, name: 'Production' },
      feature: {
        id: 1,
        name: 'butter_bar',
        created_date: '2021-02-10T20:03:43.348556Z',
        default_enabled: false,
        description: 'Ünïcode',
        initial_value: null,
        project: { id: project.body.id, name: 'Flags' },
        type: 'CONFIG',
      },
      feature_segment: null,
      feature_state_value: 'on',
      identity: null,
      identity_identifier: null,
    };
    const data: FlagChangeData = {
      new_state: state,
      previous_state: { ...state, enabled: false },
      changed_by: admin.email,
      timestamp: '2026-12-01T00:00:00.000Z',
    };
    // The flags slice's call, on an outbox of its own with a worker of its own, on the same tables.
    const worker = new WebhookWorker(ctx.database.knex, logger, {
      ...defaultDeliveryOptions,
      ...quickRetries,
      allowPrivateTargets: true,
    });
    const outbox = new WebhookOutbox(new AuditStore(), worker.wake);
    await ctx.transactor.run((uow) => outbox.flagChanged(uow, environment.id, 'FLAG_UPDATED', data));
    const delivered = await receiver.next('/flags');
    await worker.stop();
    assert.deepEqual(JSON.parse(delivered.body), { event_type: 'FLAG_UPDATED', data });
    assert.equal(delivered.headers['x-flagsmith-signature'], signPayload(delivered.body, 'flag secret'));
    assert.match(delivered.body, /"description": "\\u00dcn\\u00efcode"/);
    assert.equal((await api().delete(`${base}/${created.body.id}/`).set(as(admin))).status, 204);
  });
});

/** disposeContext without the pool closing, for a test that reads the database afterwards. */
async function disposeContextKeepingDatabase(ctx: AppContext): Promise<void> {
  const close = ctx.database.close;
  (ctx.database as { close: () => Promise<void> }).close = async () => {};
  try {
    await disposeContext(ctx);
  } finally {
    (ctx.database as { close: () => Promise<void> }).close = close;
  }
}

describe('webhook targets', () => {
  it('knows loopback, private, link-local and mapped addresses from public ones', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      '::',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      'not-an-ip',
    ])
      assert.equal(isPrivateAddress(address), true, address);
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8', '172.32.0.1'])
      assert.equal(isPrivateAddress(address), false, address);
  });

  it('refuses private targets when saved, unless WEBHOOK_ALLOW_PRIVATE_TARGETS is set', async () => {
    const t = await createTestApp();
    try {
      const f: Tenancy = await createTenancy(t);
      const base = `/api/v1/organisations/${f.home.id}/webhooks/`;
      for (const url of [
        'http://127.0.0.1:9/',
        'http://localhost/',
        'http://[::1]/',
        'http://10.0.0.1/',
        'http://169.254.169.254/latest/',
      ]) {
        const refused = await request(t.app).post(base).set(as(f.admin)).send({ url });
        assert.equal(refused.status, 400, url);
        assert.match(refused.body.url[0], /may not call this address/);
      }
      // A public address is accepted (disabled, so that nothing tries to reach it from the test).
      const accepted = await request(t.app)
        .post(base)
        .set(as(f.admin))
        .send({ url: 'http://93.184.216.34/', enabled: false });
      assert.equal(accepted.status, 201);
      const repointed = await request(t.app)
        .patch(`${base}${accepted.body.id}/`)
        .set(as(f.admin))
        .send({ url: 'http://127.0.0.1/' });
      assert.equal(repointed.status, 400);
    } finally {
      await t.close();
    }
  });

  it('refuses a private address again when a delivery connects, and never reaches it', async () => {
    const receiver = new TestReceiver();
    await receiver.listen();
    try {
      await assert.rejects(
        postWebhook(receiver.url('/guarded'), '{}', {}, { timeoutMs: 1000, allowPrivateTargets: false }),
        RefusedTargetError,
      );
      await assert.rejects(
        postWebhook(
          receiver.url('/guarded').replace('127.0.0.1', 'localhost'),
          '{}',
          {},
          { timeoutMs: 1000, allowPrivateTargets: false },
        ),
        RefusedTargetError,
      );
      assert.equal(receiver.count('/guarded'), 0);
      assert.equal(
        await postWebhook(receiver.url('/ok'), '{}', {}, { timeoutMs: 1000, allowPrivateTargets: true }),
        200,
      );
    } finally {
      await receiver.close();
    }
  });

  it('writes JSON as Python’s json.dumps(sort_keys=True) does', () => {
    assert.equal(
      pythonJsonDumps({ b: [1, 2.5, null, true], a: { é: 'ü"\n', z: 1e-7 }, c: 'ok' }),
      '{"a": {"z": 1e-07, "\\u00e9": "\\u00fc\\"\\n"}, "b": [1, 2.5, null, true], "c": "ok"}',
    );
  });
});
