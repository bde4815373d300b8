import { Router } from 'express';
import { z } from 'zod';
import type { Authenticators } from '../http/authentication.js';
import { httpErrors } from '../http/http-error.js';
import { route } from '../http/routes.js';
import { fields, parseBody } from '../http/validation.js';
import { createdUserToWire, currentUserToWire } from './user-serializer.js';
import type { UserService } from './user-service.js';

const registration = z.object({
  email: fields.email(),
  password: fields.password(),
  first_name: fields.string({ max: 150 }),
  last_name: fields.string({ max: 150 }),
  superuser: fields.boolean().optional(),
  sign_up_type: z.enum(['NO_INVITE', 'INVITE_EMAIL', 'INVITE_LINK', '']).nullable().optional(),
  marketing_consent_given: fields.boolean().optional(),
  invite_hash: z.string().optional(),
});

const credentials = z.object({
  email: fields.string({ max: 254 }),
  password: fields.password(),
});

const profile = z.object({
  first_name: fields.string({ max: 150 }).optional(),
  last_name: fields.string({ max: 150 }).optional(),
});

const passwordChange = z.object({
  current_password: fields.password(),
  new_password: fields.password(),
  re_new_password: fields.password(),
});

const activation = z.object({ uid: fields.string(), token: fields.string() });

function currentUser(req: Express.Request) {
  if (!req.user) throw httpErrors.notAuthenticated();
  return req.user;
}

/** Flagsmith's `/api/v1/auth/…` routes: djoser's user endpoints plus its token login. */
export function authRoutes(users: UserService, auth: Authenticators): Router {
  const router = Router();

  route(router, '/users/', {
    post: async (req, res) => {
      const input = parseBody(registration, req.body);
      const { user, key } = await users.register(input, req.user);
      res.status(201).json(createdUserToWire(user, key));
    },
  });

  route(router, '/users/me/', {
    get: [auth.requireUser, (req, res) => void res.json(currentUserToWire(currentUser(req)))],
    put: [
      auth.requireUser,
      async (req, res) => {
        const patch = parseBody(profile.required(), req.body);
        res.json(currentUserToWire(await users.updateProfile(currentUser(req), patch)));
      },
    ],
    patch: [
      auth.requireUser,
      async (req, res) => {
        const patch = parseBody(profile, req.body);
        const clean = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
        res.json(currentUserToWire(await users.updateProfile(currentUser(req), clean)));
      },
    ],
    delete: [
      auth.requireUser,
      async (req, res) => {
        const { current_password } = parseBody(z.object({ current_password: fields.password() }), req.body);
        await users.deleteAccount(currentUser(req), current_password);
        res.status(204).end();
      },
    ],
  });

  route(router, '/users/set_password/', {
    post: [
      auth.requireUser,
      async (req, res) => {
        await users.changePassword(currentUser(req), parseBody(passwordChange, req.body));
        res.status(204).end();
      },
    ],
  });

  route(router, '/users/activation/', {
    post: async (req, res) => {
      const { uid, token } = parseBody(activation, req.body);
      await users.activate(uid, token);
      res.status(204).end();
    },
  });

  route(router, '/login/', {
    post: [
      (req, _res, next) => {
        // Validate first so a missing field is DRF's 400 rather than passport-local's silent failure.
        parseBody(credentials, req.body);
        next();
      },
      auth.login,
      async (req, res) => {
        res.json({ key: await users.issueToken(currentUser(req)) });
      },
    ],
  });

  const logout = [
    auth.requireUser,
    async (req: Express.Request, res: import('express').Response) => {
      if (req.authToken) await users.revokeToken(req.authToken);
      res.status(204).end();
    },
  ];
  route(router, '/logout/', { post: logout });
  route(router, '/token/', { delete: logout });

  return router;
}
