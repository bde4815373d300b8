import type { RequestHandler, Router } from 'express';
import { httpErrors } from './http-error.js';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Handlers = Partial<Record<Method, RequestHandler | RequestHandler[]>>;

/**
 * Registers a path's handlers and answers every other method with DRF's 405 and an `Allow` header,
 * instead of falling through to a 404.
 */
export function route(router: Router, path: string, handlers: Handlers): void {
  const chain = router.route(path);
  const allowed: string[] = [];
  for (const [method, handler] of Object.entries(handlers) as [Method, RequestHandler | RequestHandler[]][]) {
    chain[method](...(Array.isArray(handler) ? handler : [handler]));
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
