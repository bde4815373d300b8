import type { DataScope } from '../data/unit-of-work.js';
import type { EnvironmentStore, ResolvedEnvironmentKey } from '../environments/environment-store.js';
import { HttpError } from '../http/http-error.js';

/** Flagsmith's SERVER_API_KEY_PREFIX: the only keys the environment document accepts. */
const serverKeyPrefix = 'ser.';

/** Keys kept at once: only keys that resolved are cached, so this bounds memory, not correctness. */
const maxCachedKeys = 10_000;

/**
 * EnvironmentKeyAuthentication has no `authenticate_header`, so DRF answers its failures with 403. The two
 * messages differ in one letter's case, as Flagsmith's do: a missing key (or one without the required prefix)
 * says "key", a key that names no environment says "Key".
 */
export const environmentKeyErrors = {
  missing: () => new HttpError(403, { detail: 'Invalid or missing Environment key' }),
  unknown: () => new HttpError(403, { detail: 'Invalid or missing Environment Key' }),
};

export interface SdkCaller {
  readonly environmentId: number;
  readonly serverSide: boolean;
}

interface CachedKey {
  readonly resolved: ResolvedEnvironmentKey;
  /** Epoch ms after which the key no longer works (a `ser.` key's expires_at), or +∞. */
  readonly expiresAtMs: number;
}

/**
 * `X-Environment-Key` → environment, from memory after the first lookup. Entries are dropped whenever their
 * environment changes (a revoked or deleted key bumps the environment's revision), and a key with an
 * `expires_at` is refused from its expiry on without asking the database. Unknown keys are not cached, so a key
 * created a moment ago works at once.
 */
export class EnvironmentKeyCache {
  readonly #keys = new Map<string, CachedKey>();

  constructor(
    private readonly store: EnvironmentStore,
    private readonly scope: DataScope,
  ) {}

  /** The cached answer for a key, if it is cached and still valid; no database access. */
  cached(key: string): SdkCaller | undefined {
    const entry = this.#keys.get(key);
    if (!entry) return undefined;
    if (Date.now() >= entry.expiresAtMs) {
      this.#keys.delete(key);
      return undefined;
    }
    return entry.resolved;
  }

  /**
   * Resolves the header's value or throws Flagsmith's 403. `serverOnly` is the environment document's
   * `required_key_prefix="ser."`.
   */
  async authenticate(header: string | string[] | undefined, serverOnly: boolean): Promise<SdkCaller> {
    const key = checkedKey(header, serverOnly);
    const hit = this.cached(key);
    if (hit) return hit;
    const resolved = await this.store.resolveEnvironmentKey(this.scope, key);
    if (!resolved) throw environmentKeyErrors.unknown();
    if (this.#keys.size >= maxCachedKeys) {
      const oldest = this.#keys.keys().next();
      if (!oldest.done) this.#keys.delete(oldest.value);
    }
    this.#keys.set(key, {
      resolved,
      expiresAtMs: resolved.expiresAt ? resolved.expiresAt.getTime() : Number.POSITIVE_INFINITY,
    });
    return resolved;
  }

  /** Drops every key of the environment (it changed: a key may have been revoked, or it was deleted). */
  forgetEnvironment(environmentId: number): void {
    for (const [key, entry] of this.#keys)
      if (entry.resolved.environmentId === environmentId) this.#keys.delete(key);
  }

  clear(): void {
    this.#keys.clear();
  }
}

/** The key from the header, or Flagsmith's "missing" 403; a repeated header is a missing key. */
export function checkedKey(header: string | string[] | undefined, serverOnly: boolean): string {
  if (typeof header !== 'string' || header.length === 0) throw environmentKeyErrors.missing();
  if (serverOnly && !header.startsWith(serverKeyPrefix)) throw environmentKeyErrors.missing();
  return header;
}
