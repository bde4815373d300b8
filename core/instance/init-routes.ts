import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import type { Settings } from '../../config/settings.js';
import { permissions } from '../auth/permission.js';
import { DomainError, ErrorCode, type FieldErrors, ValidationError } from '../errors/domain-error.js';
import { toHttpError } from '../http/error-mapper.js';
import { escapeHtml, loadTemplate } from '../http/html-template.js';
import { pageSecurityMiddleware } from '../http/http-edge.js';
import { httpErrors } from '../http/http-error.js';
import { isTrustedOrigin, normalisedOrigin, requestOrigin } from '../http/request-origin.js';
import { route } from '../http/routes.js';
import { fields, parseBody } from '../http/validation.js';
import type { UserService } from '../users/user-service.js';
import type { InstanceStore } from './instance-store.js';

const initForm = z.object({
  username: fields
    .string({ max: 150 })
    .regex(
      /^[\w.@+-]+$/,
      'Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.',
    ),
  email: fields.email(),
  password: fields.password(),
  site_name: fields.string({ max: 50 }),
  site_domain: fields.string({ max: 100 }),
});

const alreadyInitialised =
  'This installation is already initialised: a superuser exists. Sign in with that account.';

/** A browser posts the form and gets a page back; scripts post JSON (curl, release hooks) and get JSON. */
function wantsHtml(req: Request): boolean {
  return (
    req.is('application/x-www-form-urlencoded') === 'application/x-www-form-urlencoded' &&
    req.accepts(['html', 'json']) === 'html'
  );
}

const csrfFailed = (reason: string) => httpErrors.forbidden(`CSRF Failed: ${reason}`);

/**
 * Django's CSRF origin check, applied to the one unauthenticated form we serve: a cross-site page must not
 * be able to claim a fresh installation. The Origin must be this server's own (scheme, host and port, the
 * scheme decided by SECURE_PROXY_SSL_HEADER) or one of DJANGO_CSRF_TRUSTED_ORIGINS. Browsers send
 * `Origin: null` from sandboxed and privacy-restricted contexts, and older clients none at all; then the
 * Referer must name a trusted page instead. A request with neither proves nothing and is refused, so a
 * script posting JSON sends an Origin header of its own.
 */
function checkOrigin(req: Request, settings: Settings): void {
  const own = requestOrigin(req, settings);
  const passes = (url: string) =>
    (own !== undefined && normalisedOrigin(url) === own) || isTrustedOrigin(url, settings.csrfTrustedOrigins);
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    if (passes(origin)) return;
    throw csrfFailed(`Origin checking failed - ${origin} does not match any trusted origins.`);
  }
  const referer = req.headers.referer;
  if (!referer) throw csrfFailed('Referer checking failed - no Referer.');
  if (normalisedOrigin(referer) === undefined)
    throw csrfFailed('Referer checking failed - Referer is malformed.');
  if (!passes(referer)) {
    throw csrfFailed(`Referer checking failed - ${referer} does not match any trusted origins.`);
  }
}

export interface InitRoutesDeps {
  readonly settings: Settings;
  readonly users: UserService;
  readonly instance: InstanceStore;
}

/**
 * `/api/v1/users/config/init/`: the first-run page from Flagsmith's README. It creates the superuser and
 * records the site name and domain (used for links in emails), and does nothing once a superuser exists.
 */
export function initRoutes({ settings, users, instance }: InitRoutesDeps): Router {
  const router = Router();
  const formPage = loadTemplate('init.html');
  const messagePage = loadTemplate('init-complete.html');

  const renderForm = (
    res: Response,
    status: number,
    values: Record<string, unknown>,
    errors?: FieldErrors,
  ) => {
    const list = Object.entries(errors ?? {}).flatMap(([field, problems]) =>
      [problems]
        .flat()
        .map(
          (problem) =>
            `<li>${escapeHtml(field === 'non_field_errors' ? problem : `${field}: ${problem}`)}</li>`,
        ),
    );
    const text = (key: string) => (typeof values[key] === 'string' ? (values[key] as string) : '');
    // helmet's default `no-referrer` makes browsers post this form with `Origin: null` and no Referer,
    // which the origin check must refuse; `same-origin` (Django's default) keeps both for our own page.
    res
      .set('Referrer-Policy', 'same-origin')
      .status(status)
      .type('html')
      .send(
        formPage({
          errors: {
            html: list.length > 0 ? `<div class="errors" role="alert"><ul>${list.join('')}</ul></div>` : '',
          },
          username: text('username'),
          email: text('email'),
          site_name: text('site_name'),
          site_domain: text('site_domain'),
        }),
      );
  };

  const renderMessage = (res: Response, status: number, title: string, message: string) =>
    res.status(status).type('html').send(messagePage({ title, message }));

  // The one HTML page under /api/v1/: it gets the page policies (a CSP above all), not the API's headers.
  router.use('/users/config/init/', pageSecurityMiddleware);
  route(router, '/users/config/init/', {
    get: {
      permission: permissions.allowAny,
      handle: async (_req, res) => {
        if (await users.superuserExists())
          return void renderMessage(res, 200, 'Already set up', alreadyInitialised);
        renderForm(res, 200, {});
      },
    },
    post: {
      // The one unauthenticated write besides sign-up: guarded by the origin check and by "no superuser yet".
      permission: permissions.allowAny,
      handle: async (req, res) => {
        const html = wantsHtml(req);
        try {
          checkOrigin(req, settings);
          const input = parseBody(initForm, req.body);
          const created = await users.createFirstSuperuser(
            { email: input.email, password: input.password, username: input.username },
            (uow) => instance.setSite(uow, { name: input.site_name, domain: input.site_domain }),
          );
          if (!created) throw new DomainError(ErrorCode.alreadyInitialised, alreadyInitialised);
          const message = `Superuser ${created.email} created. You can now sign in.`;
          if (html) return void renderMessage(res, 201, 'Vexil is ready', message);
          res.status(201).json({ message, email: created.email, username: input.username });
        } catch (error) {
          if (!html) throw error;
          if (error instanceof ValidationError)
            return void renderForm(res, 400, req.body ?? {}, error.fields);
          const known = toHttpError(error);
          if (!known) throw error;
          renderMessage(res, known.status, 'Not possible', String(known.body.detail ?? known.message));
        }
      },
    },
  });
  return router;
}
