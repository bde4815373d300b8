import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { Logger } from '../logging/logger.js';
import { type HttpEdge, isApiPath, neverCacheHeaders } from './http-edge.js';
import { HttpError, httpErrors } from './http-error.js';
import {
  type LeanEdge,
  LeanExchange,
  type LeanHandler,
  type LeanMethod,
  type LeanRoute,
} from './lean-route.js';
import { invalidHostError } from './request-origin.js';

export interface DispatcherOptions {
  /** Exact paths answered without Express. Nothing is registered by default; the SDK slice fills this. */
  readonly lanes: readonly LeanRoute[];
  /** Everything else: the Express app from buildApp(). */
  readonly fallback: RequestListener;
  /** The same edge the Express app was built with. */
  readonly edge: HttpEdge;
  readonly logger: Logger;
}

interface CompiledRoute {
  readonly handlers: ReadonlyMap<string, LeanHandler>;
  readonly allow: string;
  readonly edge: LeanEdge;
  /**
   * A refused host gets the security headers only: on the Express lane the host guard answers before the
   * /api/v1 router has set the never-cache ones.
   */
  readonly refusalEdge: LeanEdge;
  /** The route's edge with `Access-Control-Allow-Origin` added, per value it can take (`*`, or each listed origin). */
  readonly corsEdges: ReadonlyMap<string, LeanEdge>;
  /** A preflight's answer: security headers (no never-cache: the Express lane answers it before the API router). */
  readonly preflightEdge: LeanEdge;
}

const noop = () => undefined;

function flatten(...groups: Readonly<Record<string, string>>[]): string[] {
  const list: string[] = [];
  for (const group of groups) for (const [name, value] of Object.entries(group)) list.push(name, value);
  return list;
}

function compile(route: LeanRoute, edge: HttpEdge): CompiledRoute {
  if (!route.path.startsWith('/') || /[?#]/.test(route.path)) {
    throw new Error(`lean route path must be a bare pathname: ${route.path}`);
  }
  const handlers = new Map<string, LeanHandler>();
  for (const [method, handler] of Object.entries(route.handlers) as [LeanMethod, LeanHandler | undefined][]) {
    if (handler) handlers.set(method, handler);
  }
  if (handlers.has('GET')) handlers.set('HEAD', handlers.get('GET') as LeanHandler);
  // The same Allow list route() gives an Express path.
  const allow = [...handlers.keys(), 'OPTIONS'].join(', ');
  const vary = edge.cors.variesByOrigin ? ['Vary', 'Origin'] : [];
  const security = flatten(edge.securityHeaders(route.path));
  const headers = isApiPath(route.path)
    ? [...security, ...vary, ...flatten(route.cacheHeaders ?? neverCacheHeaders)]
    : [...security, ...vary];
  const leanEdge = (list: string[]): LeanEdge => ({
    headers: list,
    compression: edge.compression,
    recordHeaders: !!edge.accessLog,
    jsonBody: edge.jsonBody,
  });
  const allowOrigins = edge.cors.variesByOrigin ? edge.cors.listedOrigins : ['*'];
  return {
    handlers,
    allow,
    edge: leanEdge(headers),
    refusalEdge: leanEdge(security),
    corsEdges: new Map(
      allowOrigins.map((value) => [value, leanEdge([...headers, 'Access-Control-Allow-Origin', value])]),
    ),
    preflightEdge: leanEdge([...security, ...vary]),
  };
}

/**
 * The server's request handler: a few exact paths go to the lean lane, everything else to Express. Both lanes get
 * the edge's security headers, host check, access log, DRF error shapes and compression; the lean lane applies
 * them from values computed here, once, instead of running a middleware chain per request.
 */
export function createDispatcher(options: DispatcherOptions): RequestListener {
  const { edge, fallback, logger } = options;
  const routes = new Map<string, CompiledRoute>();
  for (const lane of options.lanes) {
    if (routes.has(lane.path)) throw new Error(`lean route registered twice: ${lane.path}`);
    routes.set(lane.path, compile(lane, edge));
  }
  const fail = (exchange: LeanExchange, error: unknown) => {
    if (exchange.res.headersSent) {
      exchange.res.destroy();
      return;
    }
    if (error instanceof HttpError) {
      exchange.sendError(error);
      return;
    }
    logger.error({ err: error, method: exchange.req.method, url: exchange.req.url }, 'unhandled error');
    exchange.sendJson(500, { detail: 'A server error occurred.' });
  };

  const serveLean = (
    route: CompiledRoute,
    req: IncomingMessage,
    res: ServerResponse,
    pathname: string,
    query: string,
  ) => {
    if (edge.accessLog) {
      // What Express gives req.query (its `simple` parser) and req.params, so that both lanes log the same fields.
      Object.assign(req, { query: parseQuery(query), params: {} });
      edge.accessLog(req, res, noop);
    }
    if (!edge.acceptsHost(req)) {
      new LeanExchange(req, res, pathname, query, route.refusalEdge).sendError(invalidHostError());
      return;
    }
    const allowOrigin = edge.cors.allowOrigin(req.headers.origin);
    if (edge.cors.isPreflight(req)) {
      const preflight = new LeanExchange(req, res, pathname, query, route.preflightEdge);
      preflight.sendEmpty(200, allowOrigin === undefined ? {} : preflightHeaders(edge, allowOrigin));
      return;
    }
    const leanEdge =
      allowOrigin === undefined ? route.edge : (route.corsEdges.get(allowOrigin) ?? route.edge);
    const exchange = new LeanExchange(req, res, pathname, query, leanEdge);
    const method = req.method ?? 'GET';
    const handler = route.handlers.get(method);
    if (!handler) {
      if (method === 'OPTIONS') {
        const cors = allowOrigin === undefined ? {} : edge.cors.preflightHeaders;
        exchange.sendEmpty(200, { ...cors, Allow: route.allow });
      } else exchange.sendError(withAllow(httpErrors.methodNotAllowed(method), route.allow));
      return;
    }
    try {
      const pending = handler(exchange);
      if (pending) {
        pending.then(
          // A handler that settles without answering would otherwise leave the client waiting for ever.
          () => {
            if (!res.headersSent)
              fail(exchange, new Error(`lean handler for ${pathname} settled without answering`));
          },
          (error: unknown) => fail(exchange, error),
        );
      }
    } catch (error) {
      fail(exchange, error);
    }
  };

  return (req, res) => {
    const url = req.url ?? '/';
    const mark = url.indexOf('?');
    const pathname = mark === -1 ? url : url.slice(0, mark);
    const route = routes.get(pathname);
    if (route) serveLean(route, req, res, pathname, mark === -1 ? '' : url.slice(mark + 1));
    else fallback(req, res);
  };
}

function preflightHeaders(edge: HttpEdge, allowOrigin: string): Record<string, string> {
  return { 'Access-Control-Allow-Origin': allowOrigin, ...edge.cors.preflightHeaders };
}

function withAllow(error: HttpError, allow: string): HttpError {
  return new HttpError(error.status, error.body, { ...error.headers, Allow: allow });
}
