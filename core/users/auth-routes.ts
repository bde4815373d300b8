import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import type { AuthRegistry } from '../auth/auth-registry.js';
import { type Permission, permissions } from '../auth/permission.js';
import { userOf } from '../auth/principal.js';
import { clientIp } from '../http/request-origin.js';
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

const emailChange = z.object({ current_password: fields.password(), new_email: fields.email() });

const resetRequest = z.object({ email: fields.email() });
const resetConfirm = z.object({
  uid: fields.string(),
  token: fields.string(),
  new_password: fields.password(),
  re_new_password: fields.password(),
});

// DRF's ListField messages: a missing list is required, anything else that is not a list is not one.
const listError = (issue: { input: unknown }) =>
  issue.input === undefined ? 'This field is required.' : 'Expected a list of items.';

/** PatchOnboardingSerializer. A task's `completed_at` defaults to now; a tool choice's `completed` to true. */
const onboardingPatch = z
  .object({
    tasks: z
      .array(
        z.object({
          name: fields.string(),
          completed_at: z
            .string()
            .refine((value) => !Number.isNaN(Date.parse(value)), {
              message:
                'Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].',
            })
            .nullable()
            .optional()
            .transform((value) => new Date(value ?? Date.now()).toISOString()),
        }),
        { error: listError },
      )
      .optional(),
    tools: z
      .object({
        completed: fields
          .boolean()
          .nullable()
          .optional()
          .transform((value) => value ?? true),
        integrations: z.array(fields.string(), { error: listError }),
      })
      .optional(),
    hosting_preferences: z.array(fields.string(), { error: listError }).optional(),
  })
  .superRefine((body, context) => {
    if (body.tasks === undefined && body.tools === undefined && body.hosting_preferences === undefined)
      context.addIssue({
        code: 'custom',
        path: ['non_field_errors'],
        message: "At least one of 'tasks' or 'tools' or 'hosting_preferences' must be provided.",
      });
  });

const activation = z.object({ uid: fields.string(), token: fields.string() });

const signedIn = permissions.isAuthenticatedUser;
const anyone = permissions.allowAny;

/** The token that authenticated the request, so that logout revokes exactly that one. */
function tokenOf(req: Request): string | undefined {
  return req.principal?.kind === 'user' ? req.principal.token : undefined;
}

export interface AuthRoutesDeps {
  readonly users: UserService;
  readonly auth: AuthRegistry;
  /** USER_CREATE_PERMISSIONS, as a permission. */
  readonly createPermission: Permission;
}

/** Flagsmith's `/api/v1/auth/…` routes: djoser's user endpoints plus its token login. */
export function authRoutes({ users, auth, createPermission }: AuthRoutesDeps): Router {
  const router = Router();

  route(router, '/users/', {
    post: {
      permission: createPermission,
      handle: async (req, res) => {
        const { user, key } = await users.register(parseBody(registration, req.body));
        res.status(201).json(createdUserToWire(user, key));
      },
    },
  });

  route(router, '/users/me/', {
    get: {
      permission: signedIn,
      handle: (req, res) => void res.json(currentUserToWire(userOf(req.principal))),
    },
    put: {
      permission: signedIn,
      handle: async (req, res) => {
        const patch = parseBody(profile.required(), req.body);
        res.json(currentUserToWire(await users.updateProfile(userOf(req.principal), patch)));
      },
    },
    patch: {
      permission: signedIn,
      handle: async (req, res) => {
        const patch = parseBody(profile, req.body);
        const clean = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
        res.json(currentUserToWire(await users.updateProfile(userOf(req.principal), clean)));
      },
    },
    delete: {
      permission: signedIn,
      handle: async (req, res) => {
        const { current_password } = parseBody(z.object({ current_password: fields.password() }), req.body);
        await users.deleteAccount(userOf(req.principal), current_password, { ipAddress: clientIp(req) });
        res.status(204).end();
      },
    },
  });

  // The getting-started checklist (tasks the user ticked, tools and hosting preferences they chose).
  route(router, '/users/me/onboarding/', {
    patch: {
      permission: signedIn,
      handle: async (req, res) => {
        const body = parseBody(onboardingPatch, req.body);
        const patch = Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));
        await users.patchOnboarding(userOf(req.principal), patch);
        res.status(204).end();
      },
    },
  });

  route(router, '/users/set_password/', {
    post: {
      permission: signedIn,
      handle: async (req, res) => {
        await users.changePassword(userOf(req.principal), parseBody(passwordChange, req.body), {
          ipAddress: clientIp(req),
          token: tokenOf(req),
        });
        res.status(204).end();
      },
    },
  });

  route(router, '/users/set_email/', {
    post: {
      permission: signedIn,
      handle: async (req, res) => {
        await users.changeEmail(userOf(req.principal), parseBody(emailChange, req.body), {
          ipAddress: clientIp(req),
        });
        res.status(204).end();
      },
    },
  });

  // The login page's "forgot password" and the page its email links to.
  route(router, '/users/reset_password/', {
    post: {
      permission: anyone,
      handle: async (req, res) => {
        await users.requestPasswordReset(parseBody(resetRequest, req.body).email);
        res.status(204).end();
      },
    },
  });
  route(router, '/users/reset_password_confirm/', {
    post: {
      permission: anyone,
      handle: async (req, res) => {
        await users.confirmPasswordReset(parseBody(resetConfirm, req.body));
        res.status(204).end();
      },
    },
  });

  route(router, '/users/activation/', {
    post: {
      permission: anyone,
      handle: async (req, res) => {
        const { uid, token } = parseBody(activation, req.body);
        await users.activate(uid, token);
        res.status(204).end();
      },
    },
  });

  // Flagsmith's dashboard asks which second factors the user has set up; none exist here, so it offers none.
  route(router, '/mfa/user-active-methods/', {
    get: { permission: signedIn, handle: (_req, res) => void res.json([]) },
  });

  route(router, '/login/', {
    post: {
      permission: anyone,
      handle: [
        (req, _res, next) => {
          // Validate first so a missing field is DRF's 400 rather than passport-local's silent failure.
          parseBody(credentials, req.body);
          next();
        },
        auth.authenticate('local'),
        async (req, res) => {
          res.json({ key: await users.issueToken(userOf(req.principal)) });
        },
      ],
    },
  });

  const logout = {
    permission: signedIn,
    handle: async (req: Request, res: Response) => {
      const token = tokenOf(req);
      if (token) await users.revokeToken(token);
      res.status(204).end();
    },
  };
  route(router, '/logout/', { post: logout });
  route(router, '/token/', { delete: logout });

  return router;
}
