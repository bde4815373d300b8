import type { Request } from 'express';
import { Strategy as LocalStrategy } from 'passport-local';
import { Strategy } from 'passport-strategy';
import type { Principal } from '../auth/principal.js';
import { domainErrors } from '../errors/domain-error.js';
import { clientIp } from '../http/request-origin.js';
import type { UserService } from './user-service.js';

/**
 * DRF's TokenAuthentication: `Authorization: Token <key>`. Absent (or another scheme): not ours, the next
 * credential strategy is tried. Malformed, unknown, or a deactivated user's: 401 at once.
 */
export class TokenStrategy extends Strategy {
  readonly name = 'token';

  constructor(private readonly users: UserService) {
    super();
  }

  // Passport runs each request on Object.create(strategy), so this cannot be a #private method.
  /** The key, `undefined` when the header is absent or names another scheme, `null` when malformed. */
  private tokenFrom(header: string | undefined): string | null | undefined {
    if (!header) return undefined;
    const [scheme, key, ...rest] = header.trim().split(/\s+/);
    if (scheme?.toLowerCase() !== 'token') return undefined;
    return key && rest.length === 0 ? key : null;
  }

  override authenticate(req: Request): void {
    const key = this.tokenFrom(req.headers.authorization);
    if (key === undefined) {
      this.fail(401);
      return;
    }
    if (key === null) {
      this.error(domainErrors.invalidToken());
      return;
    }
    this.users.userForToken(key).then(
      (user) => {
        if (!user) {
          this.error(domainErrors.invalidToken());
          return;
        }
        const principal: Principal = { kind: 'user', user, token: key };
        this.success(principal);
      },
      (error: unknown) => this.error(error as Error),
    );
  }
}

/** passport-local over `{email, password}`, for the login route. */
export function passwordLoginStrategy(users: UserService): LocalStrategy {
  return new LocalStrategy(
    { usernameField: 'email', passwordField: 'password', passReqToCallback: true, session: false },
    (req, email, password, done) => {
      users.login(email, password, { ipAddress: clientIp(req) }).then(
        (user) => {
          const principal: Principal = { kind: 'user', user };
          done(null, principal);
        },
        (error: unknown) => done(error),
      );
    },
  );
}
