import { strict as assert } from 'node:assert';
import request from 'supertest';
import type { TestApp } from '../../test/support/test-app.js';

/** The callers the access matrix tries every endpoint as. */
export const callers = ['admin', 'user', 'foreigner', 'adminKey', 'userKey', 'anonymous'] as const;
export type Caller = (typeof callers)[number];

export interface Person {
  readonly id: number;
  readonly email: string;
  readonly token: string;
}

/**
 * Two tenants: organisation "home" with an ADMIN, a USER and two master API keys (admin and not), and
 * organisation "away" whose ADMIN is the foreigner. Names carry random markers so that a test can assert
 * that none of the other tenant's data appears in a body.
 */
export interface Tenancy {
  readonly home: { id: number; name: string; uuid: string };
  readonly away: { id: number; name: string; uuid: string };
  readonly admin: Person;
  readonly user: Person;
  readonly foreigner: Person;
  readonly keys: { admin: string; user: string };
  /** A group of home whose members are the admin and the user (neither a group admin). */
  readonly group: { id: number };
  /** Strings that must not appear in a body answered to `caller`. */
  foreignMarkers(caller: Caller): string[];
  /** The Authorization header for `caller`, if any. */
  authorization(caller: Caller): string | undefined;
  /** Signs up a new person and returns them (for rows that consume a member, e.g. remove-users). */
  person(label: string): Promise<Person>;
}

let counter = 0;
const marker = () =>
  `${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;

export async function signUp(
  t: TestApp,
  label: string,
  extra: Record<string, unknown> = {},
): Promise<Person> {
  const email = `${label}-${marker()}@example.com`;
  const response = await request(t.app)
    .post('/api/v1/auth/users/')
    .send({ email, password: 'tenancy pw 1', first_name: label, last_name: 'Tester', ...extra });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return { id: response.body.id, email, token: response.body.key };
}

export function as(person: Person) {
  return { Authorization: `Token ${person.token}` };
}

export async function createOrganisation(t: TestApp, owner: Person, name: string) {
  const response = await request(t.app).post('/api/v1/organisations/').set(as(owner)).send({ name });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return { id: response.body.id as number, name, uuid: response.body.uuid as string };
}

/** Makes `person` a member of the organisation through an invite link, as a person would join. */
export async function joinAs(
  t: TestApp,
  admin: Person,
  organisationId: number,
  person: Person,
  role: 'ADMIN' | 'USER',
) {
  const link = await request(t.app)
    .post(`/api/v1/organisations/${organisationId}/invite-links/`)
    .set(as(admin))
    .send({ role });
  assert.equal(link.status, 201, JSON.stringify(link.body));
  const joined = await request(t.app).post(`/api/v1/users/join/link/${link.body.hash}/`).set(as(person));
  assert.equal(joined.status, 200, JSON.stringify(joined.body));
}

export async function createTenancy(t: TestApp): Promise<Tenancy> {
  const admin = await signUp(t, 'admin');
  const user = await signUp(t, 'user');
  const foreigner = await signUp(t, 'foreigner');
  const home = await createOrganisation(t, admin, `Home-${marker()}`);
  const away = await createOrganisation(t, foreigner, `Away-${marker()}`);
  await joinAs(t, admin, home.id, user, 'USER');
  const key = async (isAdmin: boolean) => {
    const response = await request(t.app)
      .post(`/api/v1/organisations/${home.id}/master-api-keys/`)
      .set(as(admin))
      .send({ name: `key-${isAdmin}`, is_admin: isAdmin });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    return response.body.key as string;
  };
  const keys = { admin: await key(true), user: await key(false) };
  const group = await request(t.app)
    .post(`/api/v1/organisations/${home.id}/groups/`)
    .set(as(admin))
    .send({ name: 'home group' });
  assert.equal(group.status, 201, JSON.stringify(group.body));
  const added = await request(t.app)
    .post(`/api/v1/organisations/${home.id}/groups/${group.body.id}/add-users/`)
    .set(as(admin))
    .send({ user_ids: [admin.id, user.id] });
  assert.equal(added.status, 200, JSON.stringify(added.body));
  const awayMarkers = [away.name, away.uuid, foreigner.email];
  const homeMarkers = [home.name, home.uuid, admin.email, user.email];
  return {
    home,
    away,
    admin,
    user,
    foreigner,
    keys,
    group: { id: group.body.id },
    foreignMarkers: (caller) =>
      caller === 'foreigner'
        ? homeMarkers
        : caller === 'anonymous'
          ? [...homeMarkers, ...awayMarkers]
          : awayMarkers,
    authorization(caller) {
      switch (caller) {
        case 'admin':
          return `Token ${admin.token}`;
        case 'user':
          return `Token ${user.token}`;
        case 'foreigner':
          return `Token ${foreigner.token}`;
        case 'adminKey':
          return `Api-Key ${keys.admin}`;
        case 'userKey':
          return `Api-Key ${keys.user}`;
        default:
          return undefined;
      }
    },
    person: (label) => signUp(t, label),
  };
}
