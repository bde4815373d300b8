import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../logging/logger.js';
import { HttpError, httpErrors } from './http-error.js';

interface BodyParserError extends Error {
  type?: string;
  status?: number;
}

/** Turns the errors body-parser raises into DRF-shaped ones instead of Express's HTML pages. */
function fromBodyParser(error: BodyParserError, contentType: string | undefined): HttpError | undefined {
  switch (error.type) {
    case 'entity.parse.failed':
      return httpErrors.badRequest(`JSON parse error - ${error.message}`);
    case 'entity.too.large':
      return httpErrors.payloadTooLarge();
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return httpErrors.unsupportedMediaType(contentType ?? '');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return httpErrors.badRequest('The request body could not be read.');
    default:
      return undefined;
  }
}

export const notFoundHandler: RequestHandler = (_req, _res, next) => next(httpErrors.notFound());

/** The last middleware: every error becomes JSON; anything unexpected is logged and answered with a bare 500. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const known =
      error instanceof HttpError
        ? error
        : fromBodyParser(error as BodyParserError, req.headers['content-type']);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (known) {
      res.status(known.status).set(known.headers).json(known.body);
      return;
    }
    logger.error({ err: error, method: req.method, url: req.originalUrl }, 'unhandled error');
    res.status(500).json({ detail: 'A server error occurred.' });
  };
}
