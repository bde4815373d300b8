import type { Transactor } from '../data/unit-of-work.js';
import { type DocumentValue, JsonSyntaxError, parseJson, stringifyJson } from '../evaluation/index.js';
import { HttpError, httpErrors } from '../http/http-error.js';
import { CachedJson, type LeanExchange, type LeanRoute } from '../http/lean-route.js';
import type { IdentityStore } from '../identities/identity-store.js';
import { type TraitColumns, traitColumns, traitValue } from '../identities/trait-value.js';
import { documentUpdatedAtHeader } from './document-updated-at.js';
import { type EnvironmentKeyCache, environmentKeyErrors, type SdkCaller } from './environment-keys.js';
import { exposedHeaders, type SdkEnvironment, type SdkEnvironmentCache } from './sdk-environment-cache.js';
import {
  clientMaySetTraits,
  featureSegmentsOf,
  identify,
  identityFlagsChunks,
  identityFlagsOut,
  persistsTraits,
  type TraitInput,
} from './sdk-identities.js';
import {
  badRequest,
  booleanField,
  charField,
  integerField,
  isDict,
  notADictionary,
  requiredMessage,
  type SerializerErrors,
  traitValueField,
} from './sdk-input.js';
import { sdkCacheHeaders } from './sdk-routes.js';

export interface SdkIdentityRouteDeps {
  readonly keys: EnvironmentKeyCache;
  readonly environments: SdkEnvironmentCache;
  readonly store: IdentityStore;
  readonly transactor: Transactor;
}

const closing = Buffer.from(']}');

/** Flagsmith's Identity.identifier max_length. */
const identifierMaxLength = 2000;

async function authenticated(deps: SdkIdentityRouteDeps, exchange: LeanExchange) {
  const caller: SdkCaller = await deps.keys.authenticate(exchange.req.headers['x-environment-key'], false);
  const environment = await deps.environments.load(caller.environmentId);
  if (!environment) throw environmentKeyErrors.unknown();
  return { caller, environment };
}

/** The body read as Python's json.loads reads it (`2.0` stays a float), after the shared parser's checks. */
async function pythonBody(exchange: LeanExchange): Promise<unknown> {
  const text = await exchange.readJsonText();
  if (text === undefined) return undefined;
  try {
    return parseJson(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError) throw httpErrors.badRequest(`JSON parse error - ${error.message}`);
    throw error;
  }
}

/** The headers of every identity answer: no ETag (the body depends on the identity), the document's time. */
function identityHeaders(environment: SdkEnvironment): string[] {
  return [
    'Vary',
    'X-Environment-Key',
    documentUpdatedAtHeader,
    environment.updatedAtSeconds,
    'Access-Control-Expose-Headers',
    exposedHeaders,
  ];
}

/** Sends a body that holds trait values: serialised as Python's json.dumps prints them (`2.0` kept). */
function sendPython(exchange: LeanExchange, environment: SdkEnvironment, value: unknown): void {
  exchange.sendCached(CachedJson.fromSerialised(stringifyJson(value), identityHeaders(environment)));
}

/** IdentifyWithTraitsSerializer's `traits`: a list of {trait_key, trait_value (nullable), transient}. */
function traitList(value: unknown): { traits: TraitInput[]; errors?: SerializerErrors | SerializerErrors[] } {
  if (value === undefined || value === null) return { traits: [] };
  if (!Array.isArray(value))
    return {
      traits: [],
      errors: { non_field_errors: [`Expected a list of items but got type "${pythonTypeLabel(value)}".`] },
    };
  const traits: TraitInput[] = [];
  const itemErrors: SerializerErrors[] = [];
  let failed = false;
  for (const item of value) {
    if (!isDict(item)) {
      itemErrors.push(notADictionary(item));
      failed = true;
      continue;
    }
    const errors: SerializerErrors = {};
    const key = charField(item.trait_key);
    if (!key.ok) errors.trait_key = key.errors;
    const traitValue = traitValueField(item.trait_value, true);
    if (!traitValue.ok) errors.trait_value = traitValue.errors;
    const transient = booleanField(item.transient);
    if (!transient.ok) errors.transient = transient.errors;
    itemErrors.push(errors);
    if (key.ok && traitValue.ok && transient.ok)
      traits.push({ trait_key: key.value, trait_value: traitValue.value, transient: transient.value });
    else failed = true;
  }
  return failed ? { traits, errors: itemErrors } : { traits };
}

function pythonTypeLabel(value: unknown): string {
  return isDict(value)
    ? 'dict'
    : typeof value === 'string'
      ? 'str'
      : typeof value === 'boolean'
        ? 'bool'
        : 'int';
}

async function answerIdentity(
  deps: SdkIdentityRouteDeps,
  exchange: LeanExchange,
  caller: SdkCaller,
  environment: SdkEnvironment,
  request: {
    identifier: string | undefined;
    traits: TraitInput[];
    transient: boolean;
    feature?: string | undefined;
  },
) {
  const identified = await identify({ store: deps.store, transactor: deps.transactor }, environment, {
    ...request,
    serverSide: caller.serverSide,
  });
  const featureSegments = await featureSegmentsOf(environment, deps.transactor.reads);
  const flags = identityFlagsOut(environment, caller.serverSide, identified, featureSegments);
  if (request.feature !== undefined) {
    const flag = flags.find((candidate) => candidate.feature.name === request.feature);
    if (!flag) throw httpErrors.notFound('Given feature not found');
    sendPython(exchange, environment, flag);
    return;
  }
  const traits = environment.document.hide_sensitive_data ? [] : identified.traits;
  // Only trait values need Python's float spelling; flag values are JSON primitives, and JSON.stringify is
  // several times faster on the flags, which are most of the body.
  const head = Buffer.from(
    `{"identifier":${JSON.stringify(identified.identifier)},"traits":${stringifyJson(traits)},"flags":[`,
  );
  const chunks = identityFlagsChunks(flags);
  chunks.unshift(head);
  chunks.push(closing);
  const body = Buffer.concat(chunks);
  exchange.sendCached(CachedJson.fromSerialised(body, identityHeaders(environment)));
}

async function getIdentity(deps: SdkIdentityRouteDeps, exchange: LeanExchange) {
  const { caller, environment } = await authenticated(deps, exchange);
  const identifier = exchange.query.get('identifier');
  // Flagsmith answers 200 here (its TODO fears a 400 would break clients).
  if (!identifier) {
    exchange.sendJson(200, { detail: 'Missing identifier' }, { Vary: 'X-Environment-Key' });
    return;
  }
  const transient = booleanField(exchange.query.get('transient') ?? undefined);
  if (!transient.ok) throw badRequest({ transient: transient.errors });
  const feature = exchange.query.get('feature');
  await answerIdentity(deps, exchange, caller, environment, {
    identifier,
    traits: [],
    transient: transient.value,
    feature: feature ? feature : undefined,
  });
}

async function postIdentity(deps: SdkIdentityRouteDeps, exchange: LeanExchange) {
  const { caller, environment } = await authenticated(deps, exchange);
  const body = (await pythonBody(exchange)) ?? {};
  if (!isDict(body)) throw badRequest(notADictionary(body));
  const errors: Record<string, unknown> = {};
  let identifier: string | undefined;
  if (body.identifier !== undefined) {
    const checked = charField(body.identifier, { maxLength: identifierMaxLength });
    if (checked.ok) identifier = checked.value;
    else errors.identifier = checked.errors;
  }
  const traits = traitList(body.traits);
  if (traits.errors) errors.traits = traits.errors;
  const transient = booleanField(body.transient);
  if (!transient.ok) errors.transient = transient.errors;
  if (Object.keys(errors).length > 0) throw badRequest(errors as SerializerErrors);
  await answerIdentity(deps, exchange, caller, environment, {
    identifier,
    traits: traits.traits,
    transient: transient.ok && transient.value,
  });
}

// ---- /api/v1/traits/

/** TraitPersistencePermissions, checked before the body is read: DRF's 403 with its message. */
function requirePersistence(environment: SdkEnvironment): void {
  if (!persistsTraits(environment))
    throw new HttpError(403, { detail: 'Organisation is not authorised to store traits.' });
}

const clientKeyRefused = () => ({ non_field_errors: ['Setting traits not allowed with client key.'] });

/** SDKCreateUpdateTraitSerializer's fields: {identity: {identifier}, trait_key, trait_value}. */
function traitItem(item: unknown, allowNull: boolean) {
  if (!isDict(item)) return { errors: notADictionary(item) };
  const errors: SerializerErrors = {};
  let identifier: string | undefined;
  if (item.identity === undefined) errors.identity = [requiredMessage];
  else if (!isDict(item.identity)) errors.identity = notADictionary(item.identity);
  else {
    const checked = charField(item.identity.identifier, { maxLength: identifierMaxLength });
    if (checked.ok) identifier = checked.value;
    else errors.identity = { identifier: checked.errors };
  }
  const value = traitValueField(item.trait_value, allowNull);
  if (!value.ok) errors.trait_value = value.errors;
  const key = charField(item.trait_key);
  if (!key.ok) errors.trait_key = key.errors;
  if (identifier === undefined || !value.ok || !key.ok) return { errors };
  return { trait: { identifier, trait_key: key.value, trait_value: value.value } };
}

async function postTrait(deps: SdkIdentityRouteDeps, exchange: LeanExchange) {
  const { caller, environment } = await authenticated(deps, exchange);
  requirePersistence(environment);
  const parsed = traitItem((await pythonBody(exchange)) ?? {}, false);
  if (!parsed.trait) throw badRequest(parsed.errors);
  if (!clientMaySetTraits(environment, caller.serverSide)) throw badRequest(clientKeyRefused());
  const { identifier, trait_key, trait_value } = parsed.trait;
  await deps.transactor.run(async (uow) => {
    const { identity } = await deps.store.findOrCreate(uow, environment.environmentId, identifier);
    await deps.store.upsertTraits(uow, identity.id, [
      { trait_key, columns: traitColumns(trait_value as never) },
    ]);
  });
  sendPython(exchange, environment, {
    identity: { identifier },
    trait_value: traitValue(traitColumns(trait_value as never)),
    trait_key,
  });
}

async function putTraitsBulk(deps: SdkIdentityRouteDeps, exchange: LeanExchange) {
  const { caller, environment } = await authenticated(deps, exchange);
  requirePersistence(environment);
  if (!clientMaySetTraits(environment, caller.serverSide))
    throw httpErrors.badRequest('Unable to set traits with client key.');
  const body = await pythonBody(exchange);
  // Flagsmith iterates the body and calls .get on each item: anything else is its "Invalid request data".
  if (!Array.isArray(body) || body.some((item) => !isDict(item)))
    throw httpErrors.badRequest('Invalid request data');
  // Flagsmith deletes the items whose trait_value is null or absent first, then validates the rest.
  const byIdentifier = new Map<string, { trait_key: string; columns: TraitColumns | null }[]>();
  const add = (identifier: string, trait_key: string, columns: TraitColumns | null) => {
    const list = byIdentifier.get(identifier) ?? [];
    list.push({ trait_key, columns });
    byIdentifier.set(identifier, list);
  };
  const kept: { identifier: string; trait_key: string; trait_value: DocumentValue }[] = [];
  const itemErrors: SerializerErrors[] = [];
  for (const item of body as Record<string, unknown>[]) {
    if (item.trait_value === null || item.trait_value === undefined) {
      const identifier = isDict(item.identity) ? item.identity.identifier : undefined;
      if (typeof identifier !== 'string' || typeof item.trait_key !== 'string')
        throw httpErrors.badRequest('Invalid request data');
      add(identifier, item.trait_key, null);
      continue;
    }
    const parsed = traitItem(item, true);
    itemErrors.push(parsed.trait ? {} : parsed.errors);
    if (parsed.trait) kept.push(parsed.trait);
  }
  if (itemErrors.some((errors) => Object.keys(errors).length > 0)) throw badRequest(itemErrors);
  for (const trait of kept) add(trait.identifier, trait.trait_key, traitColumns(trait.trait_value as never));
  await deps.transactor.run(async (uow) => {
    for (const [identifier, list] of byIdentifier) {
      // Deleting a trait of an identity that does not exist creates nothing.
      const identity = list.every((trait) => trait.columns === null)
        ? await deps.store.findByIdentifier(uow, environment.environmentId, identifier)
        : (await deps.store.findOrCreate(uow, environment.environmentId, identifier)).identity;
      if (identity) await deps.store.upsertTraits(uow, identity.id, list);
    }
  });
  sendPython(
    exchange,
    environment,
    kept.map((trait) => ({
      identity: { identifier: trait.identifier },
      trait_value: traitValue(traitColumns(trait.trait_value as never)),
      trait_key: trait.trait_key,
    })),
  );
}

async function incrementTrait(deps: SdkIdentityRouteDeps, exchange: LeanExchange) {
  const { caller, environment } = await authenticated(deps, exchange);
  requirePersistence(environment);
  const body = (await pythonBody(exchange)) ?? {};
  if (!isDict(body)) throw badRequest(notADictionary(body));
  const errors: SerializerErrors = {};
  const key = charField(body.trait_key);
  if (!key.ok) errors.trait_key = key.errors;
  const by = integerField(body.increment_by);
  if (!by.ok) errors.increment_by = by.errors;
  const identifier = charField(body.identifier, { maxLength: identifierMaxLength });
  if (!identifier.ok) errors.identifier = identifier.errors;
  if (!key.ok || !by.ok || !identifier.ok) throw badRequest(errors);
  // Flagsmith's increment-value skips trait_persistence_allowed; Vexil does not let a client key write here
  // either when the environment refuses client traits.
  if (!clientMaySetTraits(environment, caller.serverSide)) throw badRequest(clientKeyRefused());
  const value = await deps.transactor.run(async (uow) => {
    const { identity } = await deps.store.findOrCreate(uow, environment.environmentId, identifier.value);
    return deps.store.incrementTrait(uow, identity.id, key.value, by.value);
  });
  if (value === undefined)
    throw new HttpError(400, ['Trait is not an integer.'] as unknown as Record<string, unknown>);
  sendPython(exchange, environment, {
    trait_key: key.value,
    trait_value: value,
    identifier: identifier.value,
  });
}

/** `/api/v1/identities/` and `/api/v1/traits/…`, on the lean lane with /flags/'s key auth and headers. */
export function sdkIdentityRoutes(deps: SdkIdentityRouteDeps): LeanRoute[] {
  return [
    {
      path: '/api/v1/identities/',
      cacheHeaders: sdkCacheHeaders,
      handlers: {
        GET: (exchange) => getIdentity(deps, exchange),
        POST: (exchange) => postIdentity(deps, exchange),
      },
    },
    {
      path: '/api/v1/traits/',
      cacheHeaders: sdkCacheHeaders,
      handlers: { POST: (exchange) => postTrait(deps, exchange) },
    },
    {
      path: '/api/v1/traits/bulk/',
      cacheHeaders: sdkCacheHeaders,
      handlers: { PUT: (exchange) => putTraitsBulk(deps, exchange) },
    },
    {
      path: '/api/v1/traits/increment-value/',
      cacheHeaders: sdkCacheHeaders,
      handlers: { POST: (exchange) => incrementTrait(deps, exchange) },
    },
  ];
}
