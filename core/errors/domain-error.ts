/**
 * Every way a request can be refused by a service, with a stable code. Services throw these and know nothing
 * of HTTP; `core/http/error-mapper.ts` turns each code into Flagsmith's status and body at the edge. Plugin
 * authors and log searches match on the codes, so a code never changes meaning once released.
 */
export const ErrorCode = {
  /** The input broke a rule; `fields` says which field and why (DRF's `{"field": ["message"]}`). */
  validationFailed: 'VEXIL_VALIDATION_FAILED',
  /** No credential was sent where one is needed. */
  notAuthenticated: 'VEXIL_NOT_AUTHENTICATED',
  /** A credential was sent but is malformed, unknown or revoked. */
  invalidCredential: 'VEXIL_INVALID_CREDENTIAL',
  /** The caller is known but may not do this. */
  permissionDenied: 'VEXIL_PERMISSION_DENIED',
  /** The object does not exist, or is not the caller's to see (another tenant's objects are not found). */
  notFound: 'VEXIL_NOT_FOUND',
  /** Too many failed password checks for this account or address: django-axes' lockout. */
  loginLockedOut: 'VEXIL_LOGIN_LOCKED_OUT',
  /** Every password-hashing slot is busy and the queue is full: try again shortly. */
  passwordChecksBusy: 'VEXIL_PASSWORD_CHECKS_BUSY',
  /** ALLOW_REGISTRATION_WITHOUT_INVITE=false and no valid invite came with the sign-up. */
  registrationClosed: 'VEXIL_REGISTRATION_CLOSED',
  /** The first-run page or `superuser: true` after a superuser exists. */
  alreadyInitialised: 'VEXIL_ALREADY_INITIALISED',
  /** An activation link that was already used. */
  activationStale: 'VEXIL_ACTIVATION_STALE',
  /** An invite that cannot be used by this caller: for another email, or an expired link. */
  inviteInvalid: 'VEXIL_INVITE_INVALID',
  /** DISABLE_INVITE_LINKS is set and an invite link was to be created. */
  inviteLinksDisabled: 'VEXIL_INVITE_LINKS_DISABLED',
  /** An endpoint about the signed-in person (e.g. an environment's my-permissions) called with an API key. */
  userOnly: 'VEXIL_USER_ONLY',
  /** A feature export downloaded before it succeeded (its status is PROCESSING or FAILED). */
  exportNotReady: 'VEXIL_EXPORT_NOT_READY',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** DRF's 400 body: a list of messages per field, or a bare string where Flagsmith raises one outside validation. */
export type FieldErrors = Record<string, string[] | string>;

export interface DomainErrorOptions {
  /** Seconds after which a retry may succeed (rendered as `Retry-After`). */
  readonly retryAfterSeconds?: number;
}

export class DomainError extends Error {
  override readonly name: string = 'DomainError';

  constructor(
    readonly code: ErrorCode,
    /** The sentence a person reads; Flagsmith's own wording wherever its clients show it. */
    readonly detail: string,
    readonly options: DomainErrorOptions = {},
  ) {
    super(detail);
  }
}

/** Input errors per field, in the shape DRF serializers report them. */
export class ValidationError extends DomainError {
  override readonly name = 'ValidationError';

  constructor(readonly fields: FieldErrors) {
    super(ErrorCode.validationFailed, Object.values(fields).flat().join(' ') || 'Invalid input.');
  }

  static field(field: string, message: string): ValidationError {
    return new ValidationError({ [field]: [message] });
  }

  /**
   * A bare message, as DRF renders a ValidationError raised outside a serializer's validate() (Flagsmith's
   * feature limit, for one): `{"project": "…"}` rather than `{"project": ["…"]}`.
   */
  static bareField(field: string, message: string): ValidationError {
    return new ValidationError({ [field]: message });
  }

  /** DRF's key for errors that belong to the whole body rather than to one field. */
  static nonField(message: string): ValidationError {
    return new ValidationError({ non_field_errors: [message] });
  }
}

// DRF's detail strings, so that clients matching on them keep working.
const drf = {
  notAuthenticated: 'Authentication credentials were not provided.',
  invalidToken: 'Invalid token.',
  permissionDenied: 'You do not have permission to perform this action.',
  notFound: 'Not found.',
};

/** Shorthands for the errors every slice raises. */
export const domainErrors = {
  notAuthenticated: () => new DomainError(ErrorCode.notAuthenticated, drf.notAuthenticated),
  invalidToken: () => new DomainError(ErrorCode.invalidCredential, drf.invalidToken),
  permissionDenied: (detail = drf.permissionDenied) => new DomainError(ErrorCode.permissionDenied, detail),
  notFound: (detail = drf.notFound) => new DomainError(ErrorCode.notFound, detail),
};
