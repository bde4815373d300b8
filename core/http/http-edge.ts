import { mkdirSync, openSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import express from 'express';
import helmet from 'helmet';
import { pino } from 'pino';
import { pinoHttp } from 'pino-http';
import type { Settings } from '../../config/settings.js';
import { invalidVariable } from '../errors/startup-error.js';
import { CorsPolicy } from './cors.js';
import { keepRawJsonBody } from './lean-route.js';
import { hostChecker } from './request-origin.js';

/** Middleware in node's own terms, so that the Express lane and the lean lane can run the same instance. */
export type RawMiddleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void;

// Flagsmith's middleware marks every API response uncacheable so that proxies never serve stale flags.
export const neverCacheHeaders: Readonly<Record<string, string>> = {
  'Cache-Control': 'max-age=0, no-cache, no-store, must-revalidate, private',
  Pragma: 'no-cache',
};

/** The media types parsed as JSON, as type-is patterns. */
export const jsonBodyTypes = ['application/json', 'application/*+json'] as const;

/** The paths Flagsmith's never-cache middleware covers. */
export const apiPrefix = '/api/v1/';

/**
 * What Flagsmith (Django's SecurityMiddleware and XFrameOptionsMiddleware at their defaults) sends on every API
 * response. JSON is never rendered by a browser (nosniff), so the page policies helmet adds — a content security
 * policy, cross-origin and DNS-prefetch policies, about 750 bytes in all — protect nothing there; sending them
 * on the SDK paths cost about 15% of the fastest lane's throughput.
 */
export const apiSecurityHeaders: Readonly<Record<string, string>> = Object.freeze({
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'same-origin',
  'Cross-Origin-Opener-Policy': 'same-origin',
});

/** Under /api/v1/ (or /api/v1 itself) a response is an API answer; elsewhere, a page. */
export function isApiPath(pathname: string): boolean {
  return pathname.startsWith(apiPrefix) || pathname === apiPrefix.slice(0, -1);
}

// Self-hosted installs often run on plain HTTP inside a private network: upgrading sub-requests to HTTPS there
// would break the init page's stylesheet and form.
const pageSecurity = helmet({
  contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
}) as RawMiddleware;

/** helmet's headers, for HTML pages and static files, including the HTML pages served under /api/v1/. */
export const pageSecurityMiddleware: RawMiddleware = pageSecurity;

const apiSecurityList = Object.entries(apiSecurityHeaders);
const apiSecurity: RawMiddleware = (_req, res, next) => {
  for (const [name, value] of apiSecurityList) res.setHeader(name, value);
  next();
};

/**
 * What every response gets, whichever lane answers it: one instance of each, built once from the settings, so
 * that the two lanes cannot drift apart.
 */
export interface HttpEdge {
  /** The Express lane runs it: Flagsmith's headers under /api/v1/, helmet's on pages. */
  readonly securityMiddleware: RawMiddleware;
  /** The headers that middleware sets for a path, captured at start-up; the lean lane sends these without running it. */
  securityHeaders(pathname: string): Readonly<Record<string, string>>;
  /** One access log for both lanes: the same file descriptor, the same request ids, the same line shape. */
  readonly accessLog: RawMiddleware | undefined;
  /** ENABLE_GZIP_COMPRESSION. */
  readonly compression: boolean;
  /** The JSON body parser (MAX_REQUEST_BODY_BYTES): the Express lane mounts it, the lean lane calls it on demand. */
  readonly jsonBody: RawMiddleware;
  /** DJANGO_ALLOWED_HOSTS and Django's host syntax. */
  readonly acceptsHost: (req: IncomingMessage) => boolean;
  /** CORS_ALLOWED_ORIGINS. */
  readonly cors: CorsPolicy;
}

type EdgeSettings = Pick<
  Settings,
  | 'accessLogLocation'
  | 'bodyLimitBytes'
  | 'enableGzipCompression'
  | 'allowedHosts'
  | 'useXForwardedHost'
  | 'secureProxySslHeader'
  | 'corsAllowedOrigins'
>;

/** Opens the access log now, so that an unwritable ACCESS_LOG_LOCATION stops start-up instead of a later crash. */
function openLogFile(location: string): number {
  try {
    mkdirSync(path.dirname(location), { recursive: true });
    return openSync(location, 'a');
  } catch (error) {
    throw invalidVariable(
      'ACCESS_LOG_LOCATION',
      location,
      `- or a writable file path (${(error as Error).message})`,
    );
  }
}

function accessLog(location: string | undefined): RawMiddleware | undefined {
  if (!location) return undefined;
  const destination = pino.destination({ fd: location === '-' ? 1 : openLogFile(location), sync: false });
  const log = pinoHttp({ logger: pino({ base: null }, destination), quietReqLogger: true });
  return (req, res, next) => log(req, res, next);
}

/**
 * Runs the middleware once against a recording response. helmet's headers depend on its options only (no nonce,
 * nothing from the request), so what it sets here is what it sets on every response.
 */
function captureHeaders(middleware: RawMiddleware): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
      return recorder;
    },
    removeHeader(name: string) {
      delete headers[name];
    },
    getHeader: (name: string) => headers[name],
  };
  let passed = false;
  middleware(
    { headers: {}, method: 'GET', url: '/' } as IncomingMessage,
    recorder as unknown as ServerResponse,
    (error) => {
      if (error) throw error;
      passed = true;
    },
  );
  if (!passed)
    throw new Error('the security middleware did not finish synchronously; its headers cannot be captured');
  return headers;
}

export function createHttpEdge(settings: EdgeSettings): HttpEdge {
  const pageHeaders = Object.freeze(captureHeaders(pageSecurity));
  const securityMiddleware: RawMiddleware = (req, res, next) =>
    isApiPath(req.url?.split('?', 1)[0] ?? '/') ? apiSecurity(req, res, next) : pageSecurity(req, res, next);
  return {
    securityMiddleware,
    securityHeaders: (pathname) => (isApiPath(pathname) ? apiSecurityHeaders : pageHeaders),
    accessLog: accessLog(settings.accessLogLocation),
    compression: settings.enableGzipCompression,
    jsonBody: express.json({
      limit: settings.bodyLimitBytes,
      type: [...jsonBodyTypes],
      verify: keepRawJsonBody,
    }) as RawMiddleware,
    acceptsHost: hostChecker(settings),
    cors: new CorsPolicy(settings.corsAllowedOrigins),
  };
}
