/**
 * Errors that map straight to a response in Django REST framework's shapes: `{"detail": "..."}` for most,
 * `{"field": ["message"]}` for validation. Services throw these; the error handler renders them.
 */
export class HttpError extends Error {
  override readonly name: string = 'HttpError';

  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body.detail === 'string' ? body.detail : `HTTP ${status}`);
  }
}

export type FieldErrors = Record<string, string[]>;

export class ValidationError extends HttpError {
  override readonly name = 'ValidationError';

  constructor(readonly fields: FieldErrors) {
    super(400, fields);
  }

  static field(field: string, message: string): ValidationError {
    return new ValidationError({ [field]: [message] });
  }

  /** DRF's key for errors that belong to the whole body rather than to one field. */
  static nonField(message: string): ValidationError {
    return new ValidationError({ non_field_errors: [message] });
  }
}

// The detail strings are DRF's own, so clients that match on them keep working.
export const httpErrors = {
  badRequest: (detail: string) => new HttpError(400, { detail }),
  notAuthenticated: () =>
    new HttpError(
      401,
      { detail: 'Authentication credentials were not provided.' },
      { 'WWW-Authenticate': 'Token' },
    ),
  invalidToken: () => new HttpError(401, { detail: 'Invalid token.' }, { 'WWW-Authenticate': 'Token' }),
  forbidden: (detail = 'You do not have permission to perform this action.') =>
    new HttpError(403, { detail }),
  notFound: (detail = 'Not found.') => new HttpError(404, { detail }),
  methodNotAllowed: (method: string) => new HttpError(405, { detail: `Method "${method}" not allowed.` }),
  conflict: (detail: string) => new HttpError(409, { detail }),
  payloadTooLarge: () => new HttpError(413, { detail: 'Request body is too large.' }),
  unsupportedMediaType: (type: string) =>
    new HttpError(415, { detail: `Unsupported media type "${type}" in request.` }),
};
