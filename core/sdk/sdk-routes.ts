import type { Transactor } from '../data/unit-of-work.js';
import { HttpError, httpErrors } from '../http/http-error.js';
import type { LeanExchange, LeanRoute } from '../http/lean-route.js';
import type { AnalyticsStore } from './analytics-store.js';
import { epochMicroseconds } from './document-updated-at.js';
import {
  checkedKey,
  type EnvironmentKeyCache,
  environmentKeyErrors,
  type SdkCaller,
} from './environment-keys.js';
import { sameFeatureName } from './flags-body.js';
import type { SdkEnvironment, SdkEnvironmentCache } from './sdk-environment-cache.js';

/**
 * Instead of the API's never-cache pair: clients may keep an SDK answer but must revalidate it (its ETag makes
 * that a 304), and only the client itself, since the answer depends on the key it sent.
 */
export const sdkCacheHeaders: Readonly<Record<string, string>> = Object.freeze({
  'Cache-Control': 'private, no-cache',
});

export interface SdkRouteDeps {
  readonly keys: EnvironmentKeyCache;
  readonly environments: SdkEnvironmentCache;
  readonly analytics: AnalyticsStore;
  readonly transactor: Transactor;
}

/** RFC 9110's weak comparison of If-None-Match against one tag (`*` matches any current representation). */
export function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const opaque = etag.startsWith('W/') ? etag.slice(2) : etag;
  for (const candidate of header.split(',')) {
    const tag = candidate.trim();
    if (tag === '*' || (tag.startsWith('W/') ? tag.slice(2) : tag) === opaque) return true;
  }
  return false;
}

/** Django's `condition(last_modified_func)`: not modified when updated_at, in whole seconds, is not later. */
function notModifiedSince(header: string | undefined, updatedAt: string): boolean {
  if (header === undefined) return false;
  const since = Date.parse(header);
  if (Number.isNaN(since)) return false;
  return Math.floor(epochMicroseconds(updatedAt) / 1_000_000) * 1000 <= since;
}

function headerRecord(list: readonly string[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (let i = 0; i < list.length; i += 2) record[list[i] as string] = list[i + 1] as string;
  return record;
}

type Answer = (exchange: LeanExchange, caller: SdkCaller, environment: SdkEnvironment) => void;

/**
 * Authenticates and loads the environment from memory when both are cached (the steady state: no promise, no
 * database), else resolves them and answers asynchronously. A key whose environment is gone is Flagsmith's 403.
 */
function withEnvironment(deps: SdkRouteDeps, serverOnly: boolean, answer: Answer) {
  return (exchange: LeanExchange): void | Promise<void> => {
    const header = exchange.req.headers['x-environment-key'];
    const caller = deps.keys.cached(checkedKey(header, serverOnly));
    const environment = caller && deps.environments.cached(caller.environmentId);
    if (caller && environment) return answer(exchange, caller, environment);
    return (async () => {
      const resolved = await deps.keys.authenticate(header, serverOnly);
      const loaded = await deps.environments.load(resolved.environmentId);
      if (!loaded) throw environmentKeyErrors.unknown();
      answer(exchange, resolved, loaded);
    })();
  };
}

const answerFlags: Answer = (exchange, caller, environment) => {
  const variant = caller.serverSide ? 'server' : 'client';
  if (matchesIfNoneMatch(exchange.req.headers['if-none-match'], environment.etag(variant))) {
    exchange.sendNotModified(environment.headers(variant));
    return;
  }
  // Flagsmith tests `"feature" in request.GET`: an empty name filters nothing, and the first flag answers.
  if (exchange.req.url?.includes('?') && exchange.query.has('feature')) {
    const name = exchange.query.get('feature') ?? '';
    const flags = environment.flags(caller.serverSide);
    const flag =
      name === '' ? flags[0] : flags.find((candidate) => sameFeatureName(candidate.feature.name, name));
    if (!flag) throw httpErrors.notFound('Given feature not found');
    exchange.sendJson(200, flag, headerRecord(environment.headers(variant)));
    return;
  }
  exchange.sendCached(environment.flagsBody(caller.serverSide));
};

const answerDocument: Answer = (exchange, _caller, environment) => {
  const { headers } = exchange.req;
  const notModified =
    headers['if-none-match'] !== undefined
      ? matchesIfNoneMatch(headers['if-none-match'], environment.etag('document'))
      : notModifiedSince(headers['if-modified-since'], environment.updatedAt);
  if (notModified) exchange.sendNotModified(environment.headers('document'));
  else exchange.sendCached(environment.documentBody);
};

/** SDKAnalyticsFlagsV1Serializer: a JSON object is required; names not in the environment and non-ints are skipped. */
function analyticsCounts(body: unknown, environment: SdkEnvironment): Map<number, number> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new HttpError(400, { non_field_errors: ['Expected a JSON object.'] });
  const featureIds = new Map(
    environment.document.feature_states.map((state) => [state.feature.name, state.feature.id]),
  );
  const counts = new Map<number, number>();
  for (const [name, count] of Object.entries(body)) {
    const featureId = featureIds.get(name);
    // Python's `type(count) is int` (so no bools); negative counts would subtract, so they are skipped too.
    if (featureId === undefined || typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0)
      continue;
    counts.set(featureId, (counts.get(featureId) ?? 0) + count);
  }
  return counts;
}

/** The SDK endpoints, all on the dispatcher's lean lane. */
export function sdkRoutes(deps: SdkRouteDeps): LeanRoute[] {
  return [
    {
      path: '/api/v1/flags/',
      cacheHeaders: sdkCacheHeaders,
      handlers: { GET: withEnvironment(deps, false, answerFlags) },
    },
    {
      path: '/api/v1/environment-document/',
      cacheHeaders: sdkCacheHeaders,
      handlers: { GET: withEnvironment(deps, true, answerDocument) },
    },
    {
      path: '/api/v1/analytics/flags/',
      cacheHeaders: sdkCacheHeaders,
      handlers: {
        POST: async (exchange) => {
          const caller = await deps.keys.authenticate(exchange.req.headers['x-environment-key'], false);
          const body = (await exchange.readJson()) ?? {};
          const environment = await deps.environments.load(caller.environmentId);
          if (!environment) throw environmentKeyErrors.unknown();
          const counts = analyticsCounts(body, environment);
          const at = new Date();
          await deps.transactor.run((uow) => deps.analytics.add(uow, caller.environmentId, counts, at));
          // Flagsmith answers `Response(status=200)`: no body, and so no Content-Type.
          exchange.sendEmpty(200);
        },
      },
    },
  ];
}
