import type { Request, RequestHandler } from 'express';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { Strategy } from 'passport-strategy';
import type { User } from '../users/user-model.js';
import type { UserService } from '../users/user-service.js';
import { httpErrors } from './http-error.js';
import { clientIp } from './request-origin.js';

declare global {
  namespace Express {
    interface User extends Omit<import('../users/user-model.js').User, never> {}
    interface Request {
      /** The API token that authenticated this request, so that logout can revoke exactly that one. */
      authToken?: string;
    }
  }
}

/**
 * DRF's TokenAuthentication: `Authorization: Token <key>`. A missing header lets the request through
 * anonymously (routes decide whether that is enough); a malformed or unknown token is a 401 at once.
 */
class TokenStrategy extends Strategy {
  name = 'token';

  // Passport runs each request on Object.create(strategy), so this cannot be a #private method.
  /** The key, `undefined` when the header is absent or names another scheme, `null` when malformed. */
  private tokenFrom(header: string | undefined): string | null | undefined {
    if (!header) return undefined;
    const [scheme, key, ...rest] = header.trim().split(/\s+/);
    // Other schemes (Api-Key, Bearer) belong to other strategies, which plugins and later slices add.
    if (scheme?.toLowerCase() !== 'token') return undefined;
    return key && rest.length === 0 ? key : null;
  }

  constructor(private readonly users: UserService) {
    super();
  }

  override authenticate(req: Request): void {
    const key = this.tokenFrom(req.headers.authorization);
    if (key === undefined) {
      this.pass();
      return;
    }
    if (key === null) {
      this.error(httpErrors.invalidToken());
      return;
    }
    this.users.userForToken(key).then(
      (user) => {
        if (!user) {
          this.error(httpErrors.invalidToken());
          return;
        }
        req.authToken = key;
        this.success(user);
      },
      (error: unknown) => this.error(error as Error),
    );
  }
}

export interface Authenticators {
  readonly passport: InstanceType<typeof passport.Passport>;
  /** Sets req.user when a valid credential is sent; anonymous requests pass. */
  readonly identify: RequestHandler;
  /** Rejects anonymous requests with DRF's 401. */
  readonly requireUser: RequestHandler;
  /** passport-local over `{email, password}` for the login route. */
  readonly login: RequestHandler;
}

/**
 * One Passport instance per app (not the global singleton), so that several apps in one process — tests,
 * or a plugin-built sub-app — never share strategies.
 */
export function createAuthenticators(users: UserService): Authenticators {
  const authenticator = new passport.Passport();
  authenticator.use(new TokenStrategy(users));
  authenticator.use(
    'local',
    new LocalStrategy(
      { usernameField: 'email', passwordField: 'password', passReqToCallback: true, session: false },
      (req, email, password, done) => {
        users.login(email, password, clientIp(req)).then(
          (user) => done(null, user),
          (error: unknown) => done(error),
        );
      },
    ),
  );

  const run =
    (strategy: string): RequestHandler =>
    (req, res, next) => {
      authenticator.authenticate(strategy, { session: false }, (error: unknown, user: User | false) => {
        if (error) return next(error);
        if (user) req.user = user;
        return next();
      })(req, res, next);
    };

  const identify = run('token');
  return {
    passport: authenticator,
    identify,
    requireUser: (req, _res, next) => next(req.user ? undefined : httpErrors.notAuthenticated()),
    login: run('local'),
  };
}
