import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../logging/logger.js';
import { toHttpError } from './error-mapper.js';
import { httpErrors } from './http-error.js';

export const notFoundHandler: RequestHandler = (_req, _res, next) => next(httpErrors.notFound());

/** The last middleware: every error becomes JSON; anything unexpected is logged and answered with a bare 500. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const known = toHttpError(error, req.headers['content-type']);
    if (known) {
      res.status(known.status).set(known.headers).json(known.body);
      return;
    }
    logger.error({ err: error, method: req.method, url: req.originalUrl }, 'unhandled error');
    res.status(500).json({ detail: 'A server error occurred.' });
  };
}
