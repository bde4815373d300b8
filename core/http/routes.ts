import type { RequestHandler, Router } from 'express';
import { enforce, type Permission } from '../auth/permission.js';
import { httpErrors } from './http-error.js';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** One method of a path: who may call it, and what handles it. */
export interface RouteHandler {
  readonly permission: Permission;
  readonly handle: RequestHandler | readonly RequestHandler[];
}

export type RouteHandlers = Partial<Record<Method, RouteHandler>>;

/**
 * Registers a path's handlers. Every handler declares its permission, checked before it runs; a handler
 * without one is refused at mount time (plugins written in plain JavaScript get no compiler to tell them).
 * Every other method gets DRF's 405 with an `Allow` header instead of falling through to a 404.
 */
export function route(router: Router, path: string, handlers: RouteHandlers): void {
  const chain = router.route(path);
  const allowed: string[] = [];
  for (const [method, handler] of Object.entries(handlers) as [Method, RouteHandler | undefined][]) {
    if (!handler) continue;
    if (!handler.permission || typeof handler.permission.allows !== 'function') {
      throw new Error(`route ${method.toUpperCase()} ${path} declares no permission`);
    }
    const { permission } = handler;
    const check: RequestHandler = async (req, _res, next) => {
      await enforce(permission, req);
      next();
    };
    chain[method](check, ...(Array.isArray(handler.handle) ? handler.handle : [handler.handle]));
    allowed.push(method.toUpperCase());
  }
  if (allowed.includes('GET')) allowed.push('HEAD');
  allowed.push('OPTIONS');
  chain.options((_req, res) => {
    res.set('Allow', allowed.join(', ')).status(200).end();
  });
  chain.all((req, res, next) => {
    res.set('Allow', allowed.join(', '));
    next(httpErrors.methodNotAllowed(req.method));
  });
}
