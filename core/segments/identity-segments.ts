import type { DataScope } from '../data/unit-of-work.js';
import { buildEnvironmentDocument } from '../environment-document/build-environment-document.js';
import { getEvaluationResult, mapEnvironmentDocumentToContext } from '../evaluation/index.js';
import { type TraitRow, traitValue } from '../identities/trait-value.js';

/**
 * The ids of the project's segments an identity of one of its environments belongs to, as Flagsmith's
 * `Identity.get_segments` answers the segments list's `?identity=` (the identity page's segments panel): the
 * engine over the environment document with the identity's traits, keyed by the identity's id as
 * `featurestates/all/` keys it. An identity of another project (or none at all) belongs to none.
 */
export async function identitySegmentIds(
  scope: DataScope,
  projectId: number,
  identityId: number,
): Promise<number[]> {
  const identity = (await scope
    .knex('identities')
    .join('environments', 'environments.id', 'identities.environment_id')
    .where('identities.id', identityId)
    .where('environments.project_id', projectId)
    .first('identities.id', 'identities.identifier', 'identities.environment_id')) as
    | { id: number; identifier: string; environment_id: number }
    | undefined;
  if (!identity) return [];
  const traits = (await scope.knex('traits').where('identity_id', identity.id).orderBy('id')) as TraitRow[];
  const built = await buildEnvironmentDocument(scope, identity.environment_id, new Date(), {
    identityOverrides: false,
  });
  if (!built) return [];
  const context = mapEnvironmentDocumentToContext(built.document, {
    identifier: identity.identifier,
    key: String(identity.id),
    traits: traits.map((trait) => ({ trait_key: trait.trait_key, trait_value: traitValue(trait) })),
  });
  return getEvaluationResult(context).segments.flatMap((segment) =>
    segment.metadata?.source === 'api' && typeof segment.metadata.id === 'number'
      ? [segment.metadata.id]
      : [],
  );
}
