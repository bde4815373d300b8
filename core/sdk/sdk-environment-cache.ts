import { createHash } from 'node:crypto';
import type { Database } from '../../db/database.js';
import type { DataScope } from '../data/unit-of-work.js';
import {
  type BuiltEnvironmentDocument,
  buildEnvironmentDocument,
  type EnvironmentDocumentOut,
  serialiseEnvironmentDocument,
} from '../environment-document/build-environment-document.js';
import { environmentChangedChannel } from '../environments/environment-revision.js';
import {
  type CompiledEnvironment,
  compileEnvironment,
  type EnvironmentDocument,
} from '../evaluation/index.js';
import type { EventBus } from '../events/event-bus.js';
import type { FeatureRow } from '../features/feature-models.js';
import { HttpError } from '../http/http-error.js';
import { CachedJson } from '../http/lean-route.js';
import type { Logger } from '../logging/logger.js';
import { documentUpdatedAtHeader, documentUpdatedAtSeconds, httpDate } from './document-updated-at.js';
import type { EnvironmentKeyCache, SdkCaller } from './environment-keys.js';
import { flagToWire, type SdkFlagOut, visibleStates } from './flags-body.js';

/** Browser SDKs on another origin may read these (CORS hides every other non-safelisted response header). */
export const exposedHeaders = `${documentUpdatedAtHeader}, ETag`;

/** Environments kept at once; the oldest cached is dropped past it (rebuilt on its next request). */
const maxCachedEnvironments = 1_000;

/**
 * One environment as the SDK endpoints serve it at one revision: the document, and everything derived from it
 * built once on first use (the compiled engine input, the serialised bodies with their headers). Immutable: a
 * change makes a new one.
 */
export class SdkEnvironment {
  readonly environmentId: number;
  readonly revision: number;
  /** The document's `updated_at` (Python isoformat). */
  readonly updatedAt: string;
  /** `X-Flagsmith-Document-Updated-At`. */
  readonly updatedAtSeconds: string;
  readonly document: EnvironmentDocumentOut;
  /** The document as json.dumps prints it, and a digest of it for the ETags. */
  readonly #documentText: string;
  readonly #contentTag: string;
  readonly #features: ReadonlyMap<number, FeatureRow>;
  #compiled: CompiledEnvironment | undefined;
  #documentBody: CachedJson | undefined;
  readonly #flagBodies: { client?: CachedJson; server?: CachedJson } = {};
  readonly #flags: { client?: SdkFlagOut[]; server?: SdkFlagOut[] } = {};
  #everyFlag: SdkFlagOut[] | undefined;

  constructor(built: BuiltEnvironmentDocument) {
    this.environmentId = built.document.id;
    this.revision = built.revision;
    this.updatedAt = built.updatedAt;
    this.updatedAtSeconds = documentUpdatedAtSeconds(built.updatedAt);
    this.document = built.document;
    this.#documentText = serialiseEnvironmentDocument(built.document);
    this.#contentTag = createHash('sha256').update(this.#documentText).digest('base64url').slice(0, 12);
    this.#features = new Map(built.features.map((feature) => [feature.id, feature]));
  }

  /** The client key: what identity hashing uses even when a `ser.` key asked. */
  get apiKey(): string {
    return this.document.api_key;
  }

  /** The engine's input, compiled on first use (identity evaluation, local-evaluation checks). */
  get compiled(): CompiledEnvironment {
    this.#compiled ??= compileEnvironment(this.document as unknown as EnvironmentDocument);
    return this.#compiled;
  }

  /**
   * The ETag of an answer at this revision and content. The revision alone would not do: a state scheduled with
   * `live_from` goes live without any write, so the same revision can serve two different sets of flags. Weak:
   * the same tag covers the gzip and brotli forms.
   */
  etag(variant: 'client' | 'server' | 'document'): string {
    return `W/"${this.environmentId}.${this.revision}.${this.#contentTag}.${variant[0]}"`;
  }

  /** The headers every SDK answer of this revision carries (also on its 304s). */
  headers(variant: 'client' | 'server' | 'document'): string[] {
    const list = [
      'Vary',
      'X-Environment-Key',
      'ETag',
      this.etag(variant),
      documentUpdatedAtHeader,
      this.updatedAtSeconds,
      'Access-Control-Expose-Headers',
      exposedHeaders,
    ];
    if (variant === 'document') list.push('Last-Modified', httpDate(this.updatedAt));
    return list;
  }

  /** The flags a client (or server) key sees, as SDKFeatureStateSerializer prints them. */
  flags(serverSide: boolean): SdkFlagOut[] {
    const variant = serverSide ? 'server' : 'client';
    let flags = this.#flags[variant];
    if (!flags) {
      flags = visibleStates(this.document, serverSide).map((state) =>
        flagToWire(state, this.#features.get(state.feature.id), this.document),
      );
      this.#flags[variant] = flags;
    }
    return flags;
  }

  /**
   * Every environment default as SDKFeatureStateSerializer prints it, in the document's order, none left out:
   * identity evaluation starts from these (an override may enable a flag whose default is hidden).
   */
  get everyFlag(): readonly SdkFlagOut[] {
    this.#everyFlag ??= this.document.feature_states.map((state) =>
      flagToWire(state, this.#features.get(state.feature.id), this.document),
    );
    return this.#everyFlag;
  }

  /** `GET /api/v1/flags/`'s whole body, serialised once per revision and kind of key. */
  flagsBody(serverSide: boolean): CachedJson {
    const variant = serverSide ? 'server' : 'client';
    let body = this.#flagBodies[variant];
    if (!body) {
      body = CachedJson.of(this.flags(serverSide), this.headers(variant));
      this.#flagBodies[variant] = body;
    }
    return body;
  }

  /** `GET /api/v1/environment-document/`'s body, as Flagsmith's json.dumps prints it (`50.0` kept). */
  get documentBody(): CachedJson {
    this.#documentBody ??= CachedJson.fromSerialised(this.#documentText, this.headers('document'));
    return this.#documentBody;
  }
}

/** What identity evaluation (and anything else evaluating in memory) reads from the cache. */
export interface CurrentSdkEnvironment {
  readonly environment: SdkEnvironment;
  /** A `ser.` key asked: it sees is_server_key_only features and may set traits whatever allow_client_traits says. */
  readonly serverSide: boolean;
  readonly compiled: CompiledEnvironment;
  readonly revision: number;
  readonly updatedAt: string;
}

interface CacheEntry {
  readonly environment: SdkEnvironment;
  /** Epoch ms after which the entry is rebuilt: a scheduled `live_from`, or the configured maximum age. */
  readonly expiresAtMs: number;
}

export interface SdkEnvironmentCacheOptions {
  readonly scope: DataScope;
  readonly keys: EnvironmentKeyCache;
  /** CACHE_FLAGS_SECONDS and CACHE_PROJECT_SEGMENTS_SECONDS: 0 keeps an entry until a change replaces it. */
  readonly maxAgeSeconds: readonly number[];
  readonly logger: Logger;
}

/**
 * Environments by id at their current revision, in memory. Nothing here is ever served stale: every write that
 * changes what an SDK sees bumps the environment's revision, and the bump reaches this cache twice — as the
 * in-process `environment.changed` event, emitted right after commit and before the writer's response, and as
 * a database notification (`vexil_environment_changed`) that every other process sharing the database hears.
 * Either drops the entry at once. A build racing a change is never stored: each drop bumps a generation
 * number, and a build stores its result only if the generation it started at is still current.
 */
export class SdkEnvironmentCache {
  readonly #entries = new Map<number, CacheEntry>();
  readonly #building = new Map<number, Promise<SdkEnvironment | undefined>>();
  readonly #generations = new Map<number, number>();
  readonly #maxAgeMs: number;

  constructor(private readonly options: SdkEnvironmentCacheOptions) {
    const ages = options.maxAgeSeconds.filter((seconds) => seconds > 0);
    this.#maxAgeMs = ages.length === 0 ? Number.POSITIVE_INFINITY : Math.min(...ages) * 1000;
  }

  /** The cached environment, if it is cached and fresh; no database access. */
  cached(environmentId: number): SdkEnvironment | undefined {
    const entry = this.#entries.get(environmentId);
    if (!entry) return undefined;
    if (Date.now() >= entry.expiresAtMs) {
      this.#entries.delete(environmentId);
      return undefined;
    }
    return entry.environment;
  }

  /** The environment at its current revision, built (once, however many ask at once) when not cached. */
  load(environmentId: number): Promise<SdkEnvironment | undefined> | SdkEnvironment {
    const hit = this.cached(environmentId);
    if (hit) return hit;
    const pending = this.#building.get(environmentId);
    if (pending) return pending;
    const building = this.#build(environmentId);
    this.#building.set(environmentId, building);
    return building;
  }

  /**
   * For identity evaluation: the environment an `X-Environment-Key` names, with its compiled engine input,
   * or undefined when the key names none (revoked, expired, unknown).
   */
  async current(environmentKey: string): Promise<CurrentSdkEnvironment | undefined> {
    let caller: SdkCaller;
    try {
      caller = await this.options.keys.authenticate(environmentKey, false);
    } catch (error) {
      // A key that names nothing is an answer; a database failure is not.
      if (error instanceof HttpError) return undefined;
      throw error;
    }
    const environment = await this.load(caller.environmentId);
    if (!environment) return undefined;
    return {
      environment,
      serverSide: caller.serverSide,
      compiled: environment.compiled,
      revision: environment.revision,
      updatedAt: environment.updatedAt,
    };
  }

  /** Drops an environment (and its keys) unless what is cached is already at `revision` or later. */
  invalidate(environmentId: number, revision?: number): void {
    const entry = this.#entries.get(environmentId);
    if (revision !== undefined && entry && entry.environment.revision >= revision) return;
    this.#generations.set(environmentId, (this.#generations.get(environmentId) ?? 0) + 1);
    this.#entries.delete(environmentId);
    this.#building.delete(environmentId);
    this.options.keys.forgetEnvironment(environmentId);
  }

  /** Drops everything: after the notification connection was lost, any change may have been missed. */
  clear(): void {
    for (const environmentId of new Set([...this.#entries.keys(), ...this.#building.keys()]))
      this.#generations.set(environmentId, (this.#generations.get(environmentId) ?? 0) + 1);
    this.#entries.clear();
    this.#building.clear();
    this.options.keys.clear();
  }

  /** Hears changes in this process (events) and in every other one (database notifications). */
  async subscribe(events: EventBus, database: Pick<Database, 'listen'>): Promise<void> {
    events.on('environment.changed', ({ environmentId, revision }) =>
      this.invalidate(environmentId, revision),
    );
    await database.listen(environmentChangedChannel, (payload) => this.#heard(payload), {
      onReconnect: () => this.clear(),
    });
  }

  #heard(payload: string): void {
    for (const pair of payload.split(',')) {
      const [id, revision] = pair.split(':').map(Number);
      if (Number.isSafeInteger(id) && Number.isSafeInteger(revision))
        this.invalidate(id as number, revision as number);
      else this.options.logger.warn({ payload }, 'unreadable environment change notification');
    }
  }

  async #build(environmentId: number): Promise<SdkEnvironment | undefined> {
    const generation = this.#generations.get(environmentId) ?? 0;
    try {
      const built = await buildEnvironmentDocument(this.options.scope, environmentId);
      if (!built) return undefined;
      const environment = new SdkEnvironment(built);
      if ((this.#generations.get(environmentId) ?? 0) === generation) {
        const liveFromMs = built.nextLiveFrom ? built.nextLiveFrom.getTime() : Number.POSITIVE_INFINITY;
        if (this.#entries.size >= maxCachedEnvironments) {
          const oldest = this.#entries.keys().next();
          if (!oldest.done) this.#entries.delete(oldest.value);
        }
        this.#entries.set(environmentId, {
          environment,
          expiresAtMs: Math.min(liveFromMs, Date.now() + this.#maxAgeMs),
        });
      }
      return environment;
    } finally {
      if (this.#generations.get(environmentId) === generation || !this.#generations.has(environmentId))
        this.#building.delete(environmentId);
    }
  }
}
