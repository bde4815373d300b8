import type { RequestListener } from 'node:http';
import { createRequire } from 'node:module';
import type compressionMiddleware from 'compression';
import express, { type Express, type RequestHandler } from 'express';
import type { AppContext } from './app-context.js';
import { corsMiddleware } from './http/cors.js';
import { createDispatcher } from './http/dispatcher.js';
import { errorHandler, notFoundHandler } from './http/error-handler.js';
import { publicDir } from './http/html-template.js';
import { createHttpEdge, type HttpEdge, neverCacheHeaders } from './http/http-edge.js';
import { httpErrors } from './http/http-error.js';
import type { LeanRoute } from './http/lean-route.js';
import { multipartBody } from './http/multipart.js';
import { adminIpGuard, allowedHostsGuard } from './http/request-origin.js';

const parsableTypes = [
  'application/json',
  'application/*+json',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
];

/** DRF answers 415 for a body it has no parser for, rather than silently treating it as empty. */
const rejectUnparsableBodies: RequestHandler = (req, _res, next) => {
  const hasBody =
    req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (!hasBody || req.is(parsableTypes)) return next();
  next(httpErrors.unsupportedMediaType(req.headers['content-type'] ?? ''));
};

const neverCache: RequestHandler = (_req, res, next) => {
  res.set(neverCacheHeaders);
  next();
};

export interface BuildAppOptions {
  /** Shared with the dispatcher's lean lane; built from the settings when absent. */
  readonly edge?: HttpEdge;
}

/**
 * Builds the Express app from an already-wired context. It does not listen: server.ts does, and tests
 * drive the app in-process.
 */
export function buildApp(ctx: AppContext, options: BuildAppOptions = {}): Express {
  const edge = options.edge ?? createHttpEdge(ctx.settings);
  const { settings } = ctx;
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // The client address feeds the IP lockout and the admin allow-list: behind NUM_PROXIES proxies it is taken
  // from X-Forwarded-For, and never from a header a client could set directly.
  app.set('trust proxy', settings.numProxies);

  if (edge.accessLog) app.use(edge.accessLog);
  app.use(edge.securityMiddleware);
  if (settings.enableGzipCompression) {
    // Loaded only when switched on: it is a start-up cost that most deployments (behind a proxy) skip.
    const compression = createRequire(import.meta.url)('compression') as typeof compressionMiddleware;
    app.use(compression());
  }
  app.use(allowedHostsGuard(settings));
  app.use(corsMiddleware(edge.cors));

  app.use('/admin', adminIpGuard(settings));
  app.use('/static', express.static(publicDir, { index: false, maxAge: '1h' }));
  for (const mount of ctx.routes.in('root')) app.use(mount.path, mount.router);

  const api = express.Router();
  api.use(neverCache);
  api.use(rejectUnparsableBodies);
  api.use(edge.jsonBody);
  api.use(express.urlencoded({ limit: settings.bodyLimitBytes, extended: false }));
  api.use(multipartBody(settings.bodyLimitBytes));
  api.use(ctx.auth.identify);
  for (const mount of ctx.routes.in('api')) api.use(mount.path, mount.router);
  app.use('/api/v1', api);

  app.use(notFoundHandler);
  app.use(errorHandler(ctx.logger));
  return app;
}

export interface RequestHandlerOptions {
  /** Exact paths answered without Express, besides those the slices put on `ctx.routes` (tests). */
  readonly lanes?: readonly LeanRoute[];
}

/**
 * What the server listens with: the dispatcher, with the lean lanes answered beside Express and the Express app
 * behind them, both built on one edge.
 */
export function buildRequestHandler(ctx: AppContext, options: RequestHandlerOptions = {}): RequestListener {
  const edge = createHttpEdge(ctx.settings);
  const fallback = buildApp(ctx, { edge });
  const lanes = [...ctx.routes.leanRoutes(), ...(options.lanes ?? [])];
  return createDispatcher({ lanes, fallback, edge, logger: ctx.logger });
}
