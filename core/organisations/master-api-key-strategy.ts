import type { Request } from 'express';
import { Strategy } from 'passport-strategy';
import { DomainError, ErrorCode } from '../errors/domain-error.js';
import type { MasterApiKeyService } from './master-api-key-service.js';

// djangorestframework-api-key's wording, which Flagsmith returns.
const invalidKey = 'Valid Master API Key not found.';

/**
 * `Authorization: Api-Key <key>` (Flagsmith's MasterAPIKeyAuthentication). Another scheme or no header:
 * not ours. A key that is unknown, revoked or expired: 401 at once.
 */
export class MasterApiKeyStrategy extends Strategy {
  readonly name = 'master-api-key';

  constructor(private readonly keys: MasterApiKeyService) {
    super();
  }

  override authenticate(req: Request): void {
    const header = req.headers.authorization?.trim();
    const match = header ? /^Api-Key\s+(\S+)$/.exec(header) : null;
    if (!header?.startsWith('Api-Key')) {
      this.fail(401);
      return;
    }
    const key = match?.[1];
    if (!key) {
      this.error(new DomainError(ErrorCode.invalidCredential, invalidKey));
      return;
    }
    this.keys.principalFor(key).then(
      (principal) => {
        if (principal) this.success(principal);
        else this.error(new DomainError(ErrorCode.invalidCredential, invalidKey));
      },
      (error: unknown) => this.error(error as Error),
    );
  }
}
