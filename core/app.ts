import { mkdirSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type compressionMiddleware from 'compression';
import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import { pino } from 'pino';
import { pinoHttp } from 'pino-http';
import type { AppContext } from './app-context.js';
import { invalidVariable } from './errors/startup-error.js';
import { errorHandler, notFoundHandler } from './http/error-handler.js';
import { publicDir } from './http/html-template.js';
import { httpErrors } from './http/http-error.js';
import { adminIpGuard, allowedHostsGuard } from './http/request-origin.js';

const parsableTypes = ['application/json', 'application/*+json', 'application/x-www-form-urlencoded'];

/** DRF answers 415 for a body it has no parser for, rather than silently treating it as empty. */
const rejectUnparsableBodies: RequestHandler = (req, _res, next) => {
  const hasBody =
    req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (!hasBody || req.is(parsableTypes)) return next();
  next(httpErrors.unsupportedMediaType(req.headers['content-type'] ?? ''));
};

// Flagsmith's middleware marks every API response uncacheable so that proxies never serve stale flags.
const neverCache: RequestHandler = (_req, res, next) => {
  res.set({ 'Cache-Control': 'max-age=0, no-cache, no-store, must-revalidate, private', Pragma: 'no-cache' });
  next();
};

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

function accessLog(location: string | undefined): RequestHandler | undefined {
  if (!location) return undefined;
  const destination = pino.destination({ fd: location === '-' ? 1 : openLogFile(location), sync: false });
  return pinoHttp({ logger: pino({ base: null }, destination), quietReqLogger: true });
}

/**
 * Builds the Express app from an already-wired context. It does not listen: server.ts does, and tests
 * drive the app in-process.
 */
export function buildApp(ctx: AppContext): Express {
  const { settings } = ctx;
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // The client address feeds the IP lockout and the admin allow-list: behind NUM_PROXIES proxies it is taken
  // from X-Forwarded-For, and never from a header a client could set directly.
  app.set('trust proxy', settings.numProxies);

  const log = accessLog(settings.accessLogLocation);
  if (log) app.use(log);
  // Self-hosted installs often run on plain HTTP inside a private network: upgrading sub-requests to
  // HTTPS there would break the init page's stylesheet and form.
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  if (settings.enableGzipCompression) {
    // Loaded only when switched on: it is a start-up cost that most deployments (behind a proxy) skip.
    const compression = createRequire(import.meta.url)('compression') as typeof compressionMiddleware;
    app.use(compression());
  }
  app.use(allowedHostsGuard(settings));

  app.use('/admin', adminIpGuard(settings));
  app.use('/static', express.static(publicDir, { index: false, maxAge: '1h' }));
  for (const mount of ctx.routes.in('root')) app.use(mount.path, mount.router);

  const api = express.Router();
  api.use(neverCache);
  api.use(rejectUnparsableBodies);
  api.use(express.json({ limit: settings.bodyLimitBytes, type: ['application/json', 'application/*+json'] }));
  api.use(express.urlencoded({ limit: settings.bodyLimitBytes, extended: false }));
  api.use(ctx.auth.identify);
  for (const mount of ctx.routes.in('api')) api.use(mount.path, mount.router);
  app.use('/api/v1', api);

  app.use(notFoundHandler);
  app.use(errorHandler(ctx.logger));
  return app;
}
