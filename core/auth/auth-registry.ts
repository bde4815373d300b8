import type { Request, RequestHandler } from 'express';
import passport from 'passport';
import type { Strategy } from 'passport-strategy';
import { anonymous, type Principal } from './principal.js';

declare global {
  namespace Express {
    interface Request {
      /** Who is calling; set by the auth registry's identify middleware (anonymous when no credential). */
      principal?: Principal;
    }
  }
}

/** A strategy whose `success()` is given a Principal. */
export type PrincipalStrategy = Strategy & { readonly name: string };

/**
 * The passport strategies the app knows, on one Passport instance per app (never the global singleton, so
 * that several apps in one process — tests, a plugin's sub-app — never share strategies).
 *
 * - Credential strategies identify every API request. Each reads its own header: it calls `fail()` when its
 *   credential is absent (so the next strategy is tried), `error(domainError)` when present but invalid,
 *   and `success(principal)` otherwise. Core registers the token strategy; the tenancy slice adds master API
 *   keys; plugins add their own.
 * - Named strategies run only on the routes that ask for them: passport-local on login, OAuth callbacks.
 */
export class AuthRegistry {
  readonly passport = new passport.Passport();
  readonly #credentialStrategies: string[] = [];

  addCredentialStrategy(strategy: PrincipalStrategy): void {
    this.#register(strategy.name, strategy);
    this.#credentialStrategies.push(strategy.name);
  }

  addStrategy(name: string, strategy: Strategy): void {
    this.#register(name, strategy);
  }

  get credentialStrategies(): readonly string[] {
    return this.#credentialStrategies;
  }

  #register(name: string, strategy: Strategy): void {
    if ((this.passport as unknown as { _strategy(name: string): unknown })._strategy(name)) {
      throw new Error(`an authentication strategy named "${name}" is already registered`);
    }
    this.passport.use(name, strategy);
  }

  /** Sets `req.principal` from the first credential strategy that recognises the request. */
  readonly identify: RequestHandler = (req, res, next) => {
    req.principal = anonymous;
    if (this.#credentialStrategies.length === 0) return next();
    this.#run([...this.#credentialStrategies], req, res, next);
  };

  /** Runs one named strategy (e.g. `local` on the login route); its principal replaces the request's. */
  authenticate(name: string): RequestHandler {
    return (req, res, next) => this.#run(name, req, res, next);
  }

  #run(
    names: string | string[],
    req: Request,
    res: Parameters<RequestHandler>[1],
    next: (e?: unknown) => void,
  ) {
    this.passport.authenticate(names, { session: false }, (error: unknown, principal: Principal | false) => {
      if (error) return next(error);
      if (principal) req.principal = principal;
      return next();
    })(req, res, next);
  }
}
