import type { FieldErrors } from '../errors/domain-error.js';

export { type FieldErrors, ValidationError } from '../errors/domain-error.js';

/**
 * A response in Django REST framework's shapes: `{"detail": "..."}` for most, `{"field": ["message"]}` for
 * validation. Only the HTTP edge builds these — for refusals that are about HTTP itself (a method, a body, a
 * host); services throw coded DomainErrors, which `error-mapper.ts` turns into one of these.
 */
export class HttpError extends Error {
  override readonly name: string = 'HttpError';

  constructor(
    readonly status: number,
    readonly body: Record<string, unknown> | FieldErrors,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body.detail === 'string' ? body.detail : `HTTP ${status}`);
  }
}

// The detail strings are DRF's own, so clients that match on them keep working.
export const httpErrors = {
  badRequest: (detail: string) => new HttpError(400, { detail }),
  forbidden: (detail = 'You do not have permission to perform this action.') =>
    new HttpError(403, { detail }),
  notFound: (detail = 'Not found.') => new HttpError(404, { detail }),
  methodNotAllowed: (method: string) => new HttpError(405, { detail: `Method "${method}" not allowed.` }),
  payloadTooLarge: () => new HttpError(413, { detail: 'Request body is too large.' }),
  unsupportedMediaType: (type: string) =>
    new HttpError(415, { detail: `Unsupported media type "${type}" in request.` }),
};
