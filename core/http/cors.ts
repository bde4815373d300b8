import type { IncomingMessage } from 'node:http';
import type { RawMiddleware } from './http-edge.js';

/**
 * Request headers a browser may send cross-origin: django-cors-headers' defaults, which Flagsmith extends with
 * the SDKs' own (the environment key, and the identification headers its JavaScript clients add).
 */
export const corsAllowedRequestHeaders = [
  'accept',
  'authorization',
  'content-type',
  'user-agent',
  'x-csrftoken',
  'x-requested-with',
  'x-environment-key',
  'flagsmith-application-name',
  'flagsmith-application-version',
  'flagsmith-sdk-user-agent',
  'sentry-trace',
  'baggage',
] as const;

const corsMethods = 'DELETE, GET, OPTIONS, PATCH, POST, PUT';
// django-cors-headers' CORS_PREFLIGHT_MAX_AGE: browsers may keep a preflight's answer a day.
const preflightMaxAgeSeconds = 86_400;

/** Lower-case `scheme://host[:port]`, default ports dropped, or undefined for what is not an http(s) origin. */
function normalised(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    return url.origin.toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * CORS as Flagsmith answers it (django-cors-headers): every origin by default, so that browser SDKs on any site
 * can read flags; CORS_ALLOWED_ORIGINS narrows it to a list. No credentials (cookies) are ever allowed, so `*`
 * is safe; with a list, the allowed origin is echoed and responses vary by `Origin`.
 */
export class CorsPolicy {
  readonly #allowAll: boolean;
  readonly #allowed: ReadonlySet<string>;
  readonly preflightHeaders: Readonly<Record<string, string>> = Object.freeze({
    'Access-Control-Allow-Headers': corsAllowedRequestHeaders.join(', '),
    'Access-Control-Allow-Methods': corsMethods,
    'Access-Control-Max-Age': String(preflightMaxAgeSeconds),
  });

  constructor(allowedOrigins: readonly string[]) {
    this.#allowAll = allowedOrigins.length === 0 || allowedOrigins.includes('*');
    this.#allowed = new Set(allowedOrigins.map((origin) => normalised(origin) ?? origin));
  }

  /** With a list, answers differ by Origin: caches in between must key on it. */
  get variesByOrigin(): boolean {
    return !this.#allowAll;
  }

  /** The origins of a list (empty when every origin is allowed), for precomputing answers per origin. */
  get listedOrigins(): readonly string[] {
    return this.#allowAll ? [] : [...this.#allowed];
  }

  /** The `Access-Control-Allow-Origin` value for a request's Origin, or undefined when none is due. */
  allowOrigin(origin: string | undefined): string | undefined {
    if (!origin) return undefined;
    if (this.#allowAll) return '*';
    const key = normalised(origin);
    return key !== undefined && this.#allowed.has(key) ? key : undefined;
  }

  /** A browser asking whether it may send the real request: OPTIONS with Access-Control-Request-Method. */
  isPreflight(req: Pick<IncomingMessage, 'method' | 'headers'>): boolean {
    return req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
  }

  /** The CORS headers for one response, as [name, value] pairs. */
  headersFor(req: Pick<IncomingMessage, 'method' | 'headers'>): [string, string][] {
    const headers: [string, string][] = [];
    if (this.variesByOrigin) headers.push(['Vary', 'Origin']);
    const allowOrigin = this.allowOrigin(req.headers.origin);
    if (allowOrigin === undefined) return headers;
    headers.push(['Access-Control-Allow-Origin', allowOrigin]);
    if (req.method === 'OPTIONS') headers.push(...Object.entries(this.preflightHeaders));
    return headers;
  }
}

/**
 * The Express lane's CORS: headers on every response, and a preflight answered at once with an empty 200
 * (before routing, so that it never meets a permission check or a 405), as django-cors-headers does.
 */
export function corsMiddleware(policy: CorsPolicy): RawMiddleware {
  return (req, res, next) => {
    for (const [name, value] of policy.headersFor(req)) res.setHeader(name, value);
    if (!policy.isPreflight(req)) return next();
    res.statusCode = 200;
    // A bare end() makes node announce `Content-Length: 0` itself, as it does on the lean lane.
    res.end();
  };
}
