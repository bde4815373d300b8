import { DomainError, ErrorCode, ValidationError } from '../errors/domain-error.js';
import { HttpError, httpErrors } from './http-error.js';

/**
 * The one place where a domain error's code becomes an HTTP status. A `Record` over every code, so adding a
 * code without deciding its status does not compile.
 */
const statusOf: Record<ErrorCode, number> = {
  [ErrorCode.validationFailed]: 400,
  [ErrorCode.notAuthenticated]: 401,
  [ErrorCode.invalidCredential]: 401,
  [ErrorCode.permissionDenied]: 403,
  [ErrorCode.notFound]: 404,
  [ErrorCode.loginLockedOut]: 403,
  [ErrorCode.passwordChecksBusy]: 429,
  [ErrorCode.registrationClosed]: 403,
  [ErrorCode.alreadyInitialised]: 403,
  [ErrorCode.activationStale]: 403,
  // Flagsmith answers InvalidInviteError and InviteExpiredError with 400 {"detail": …}.
  [ErrorCode.inviteInvalid]: 400,
  // Flagsmith's InviteLinksDisabledError is an APIException with status 400.
  [ErrorCode.inviteLinksDisabled]: 400,
  // Flagsmith's environment my-permissions answers a master API key with 400 {"detail": …}.
  [ErrorCode.userOnly]: 400,
  // Flagsmith's download-feature-export answers an unfinished export with 400 {"detail": …}.
  [ErrorCode.exportNotReady]: 400,
};

/** Flagsmith's 401s name the scheme to use, as DRF's TokenAuthentication does. */
const challenged: ReadonlySet<ErrorCode> = new Set([ErrorCode.notAuthenticated, ErrorCode.invalidCredential]);

export function domainErrorToHttp(error: DomainError): HttpError {
  if (error instanceof ValidationError) return new HttpError(400, error.fields);
  const headers: Record<string, string> = {};
  if (challenged.has(error.code)) headers['WWW-Authenticate'] = 'Token';
  if (error.options.retryAfterSeconds !== undefined)
    headers['Retry-After'] = String(error.options.retryAfterSeconds);
  return new HttpError(statusOf[error.code], { detail: error.detail }, headers);
}

interface BodyParserError extends Error {
  type?: string;
}

/**
 * The errors body-parser raises, as DRF would answer them instead of Express's HTML pages; both lanes read
 * bodies with the same parser and answer its errors through this.
 */
export function bodyParserErrorToHttp(
  error: BodyParserError,
  contentType: string | undefined,
): HttpError | undefined {
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

/** The response for any thrown value, or undefined when it is unexpected (a bug: log it, answer 500). */
export function toHttpError(error: unknown, contentType?: string): HttpError | undefined {
  if (error instanceof HttpError) return error;
  if (error instanceof DomainError) return domainErrorToHttp(error);
  if (error instanceof Error) return bodyParserErrorToHttp(error, contentType);
  return undefined;
}
