import type { UnitOfWork } from '../data/unit-of-work.js';

/**
 * The database notification that tells every Vexil process sharing the database that environments changed:
 * its payload is `id:revision` pairs, comma-separated. Sent in the bumping transaction, so it is delivered when,
 * and only if, that transaction commits.
 */
export const environmentChangedChannel = 'vexil_environment_changed';

/** Well under PostgreSQL's 8000-byte payload limit. */
const maxChangedPayloadBytes = 7000;

/** `id:revision,id:revision…` in as few payloads as fit. */
export function environmentChangedPayloads(bumped: readonly { id: number; revision: number }[]): string[] {
  const payloads: string[] = [];
  let current = '';
  for (const { id, revision } of bumped) {
    const pair = `${id}:${revision}`;
    if (current.length > 0 && current.length + pair.length + 1 > maxChangedPayloadBytes) {
      payloads.push(current);
      current = '';
    }
    current = current.length === 0 ? pair : `${current},${pair}`;
  }
  if (current.length > 0) payloads.push(current);
  return payloads;
}

/**
 * Bumps `revision` and Flagsmith's `updated_at` (its Last-Modified) of the given environments in the
 * caller's transaction, and queues `environment.changed` for each, emitted only if that transaction commits:
 * a cached environment document is never newer or older than the rows it was built from.
 */
export async function bumpEnvironmentRevisions(uow: UnitOfWork, environmentIds: readonly number[]) {
  if (environmentIds.length === 0) return;
  const bumped = (await uow
    .knex('environments')
    .whereIn('id', [...new Set(environmentIds)])
    .update({ revision: uow.knex.raw('revision + 1'), updated_at: uow.knex.fn.now() })
    .returning(['id', 'revision'])) as { id: number; revision: number }[];
  for (const row of bumped)
    uow.emit('environment.changed', { environmentId: row.id, revision: row.revision });
  for (const payload of environmentChangedPayloads(bumped))
    await uow.notify(environmentChangedChannel, payload);
}

/** Every environment of a project: a change to a feature itself (its name, its options) reaches all of them. */
export async function bumpProjectEnvironments(uow: UnitOfWork, projectId: number) {
  const rows = (await uow.knex('environments').where('project_id', projectId).select('id')) as {
    id: number;
  }[];
  await bumpEnvironmentRevisions(
    uow,
    rows.map((row) => row.id),
  );
}

/** Every environment of an organisation: its name and persist_trait_data are part of every document. */
export async function bumpOrganisationEnvironments(uow: UnitOfWork, organisationId: number) {
  const rows = (await uow
    .knex('environments')
    .whereIn('project_id', uow.knex('projects').where('organisation_id', organisationId).select('id'))
    .select('id')) as { id: number }[];
  await bumpEnvironmentRevisions(
    uow,
    rows.map((row) => row.id),
  );
}
