import { strict as assert } from 'node:assert';
import request from 'supertest';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { as, signUp } from '../organisations/tenancy-test-fixture.js';
import { signPayload } from './webhook-signature.js';
import { TestReceiver } from './webhook-test-receiver.js';

/**
 * The closing script, through the HTTP API only: an organisation, a second person invited by link
 * and given VIEW_PROJECT on one project through a group, who then sees exactly that project; the audit log
 * shows each step and the organisation's webhook received each, signed.
 */
describe('tenancy walkthrough: invite, group grant, audit log and webhook', () => {
  let t: TestApp;
  let receiver: TestReceiver;
  before(async () => {
    receiver = new TestReceiver();
    await receiver.listen();
    t = await createTestApp({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' });
  });
  after(async () => {
    await t.close();
    await receiver.close();
  });

  it('lets the invited member see exactly the granted project, and records and announces every step', async () => {
    const api = () => request(t.app);
    const ok = (status: number) => (response: request.Response) => {
      assert.equal(response.status, status, response.text);
      return response.body;
    };
    const owner = await signUp(t, 'owner');
    const organisation = await api()
      .post('/api/v1/organisations/')
      .set(as(owner))
      .send({ name: 'Walkthrough' })
      .then(ok(201));
    const base = `/api/v1/organisations/${organisation.id}`;
    await api()
      .post(`${base}/webhooks/`)
      .set(as(owner))
      .send({ url: receiver.url('/walk'), secret: 'walk secret' })
      .then(ok(201));
    const shown = await api()
      .post('/api/v1/projects/')
      .set(as(owner))
      .send({ name: 'Shown', organisation: organisation.id })
      .then(ok(201));
    await api()
      .post('/api/v1/projects/')
      .set(as(owner))
      .send({ name: 'Hidden', organisation: organisation.id })
      .then(ok(201));
    const link = await api()
      .post(`${base}/invite-links/`)
      .set(as(owner))
      .send({ role: 'USER' })
      .then(ok(201));
    const member = await signUp(t, 'invited', { sign_up_type: 'INVITE_LINK', invite_hash: link.hash });
    await api().post(`/api/v1/users/join/link/${link.hash}/`).set(as(member)).then(ok(200));
    const group = await api().post(`${base}/groups/`).set(as(owner)).send({ name: 'Viewers' }).then(ok(201));
    await api()
      .post(`${base}/groups/${group.id}/add-users/`)
      .set(as(owner))
      .send({ user_ids: [member.id] })
      .then(ok(200));
    await api()
      .post(`/api/v1/projects/${shown.id}/user-group-permissions/`)
      .set(as(owner))
      .send({ group: group.id, permissions: ['VIEW_PROJECT'] })
      .then(ok(201));

    const visible = await api().get('/api/v1/projects/').set(as(member)).then(ok(200));
    assert.deepEqual(
      visible.map((project: { name: string }) => project.name),
      ['Shown'],
    );

    const expected = [
      'New Organisation Webhook created',
      'New Project created: Shown',
      'New Project created: Hidden',
      'New Invite Link created (USER)',
      `User joined organisation by an invite link: ${member.email} (USER)`,
      'New Group created: Viewers',
      `Users added to group Viewers: ${member.email}`,
      'Group project permissions created: Viewers (VIEW_PROJECT)',
    ];
    const audit = await api().get(`${base}/audit/`).set(as(owner)).then(ok(200));
    assert.deepEqual(audit.results.map((entry: { log: string }) => entry.log).reverse(), [
      'New Organisation created: Walkthrough',
      ...expected,
    ]);

    const deliveries = [];
    for (const _ of expected) deliveries.push(await receiver.next('/walk'));
    for (const delivery of deliveries)
      assert.equal(delivery.headers['x-flagsmith-signature'], signPayload(delivery.body, 'walk secret'));
    // Deliveries run concurrently, so they may arrive in any order; each carries its entry's id.
    assert.deepEqual(
      deliveries.map((delivery) => JSON.parse(delivery.body)).sort((a, b) => a.data.id - b.data.id),
      audit.results
        .slice(0, expected.length)
        .reverse()
        .map((entry: unknown) => ({ event_type: 'AUDIT_LOG_CREATED', data: entry })),
    );
  });
});
