import { Router } from 'express';
import { z } from 'zod';
import type { EnvironmentPolicy } from '../environments/environment-policy.js';
import { domainErrors, ValidationError } from '../errors/domain-error.js';
import { route } from '../http/routes.js';
import { fields, parseBody } from '../http/validation.js';
import type { OrganisationPolicy } from '../organisations/organisation-policy.js';
import { pathId, tenantPermissions } from '../organisations/organisation-policy.js';
import { type Tenant, tenantOf } from '../organisations/tenant.js';
import { pythonJsonDumps } from './python-json.js';
import { urlField } from './webhook-routes.js';
import { postWebhook } from './webhook-sender.js';
import { signatureHeader, signPayload } from './webhook-signature.js';
import { targetRefusal } from './webhook-target.js';

/** TestWebhookSerializer: the URL to call, whose kind of sample to send, and the secret to sign it with. */
const testBody = z.object({
  webhook_url: urlField(),
  scope: z.object({ type: z.enum(['organisation', 'environment']) }),
  secret: fields.string({ allowBlank: true }).nullable().optional(),
});

const sampleFeature = {
  id: 1,
  created_date: '2021-02-10T20:03:43.348556Z',
  default_enabled: false,
  description: 'This is a description',
  initial_value: null,
  name: 'test_feature',
  project: { id: 1, name: 'Test Project' },
  type: 'CONFIG',
};

const sampleState = (enabled: boolean, value: string) => ({
  feature: sampleFeature,
  environment: { id: 1, name: 'Development' },
  identity: 1,
  identity_identifier: 'test_identity',
  feature_segment: null,
  enabled,
  feature_state_value: value,
  multivariate_feature_state_values: [
    { id: 1, multivariate_feature_option: { id: 1, value: 'variant_a' }, percentage_allocation: 50 },
  ],
});

/** The samples Flagsmith sends (`generate_*_sample_webhook_data`), so a receiver sees what real events look like. */
export const sampleWebhookBodies = {
  environment: {
    data: {
      changed_by: 'user@domain.com',
      timestamp: '2021-06-18T07:50:26.595298Z',
      new_state: sampleState(true, 'feature_state_value'),
      previous_state: sampleState(false, 'old_feature_state_value'),
    },
    event_type: 'FLAG_UPDATED',
  },
  organisation: {
    data: {
      created_date: '2020-02-23T17:30:57.006318Z',
      log: 'New Flag / Remote Config created: my_feature',
      author: { id: 1, email: 'user@domain.com', first_name: 'Jane', last_name: 'Doe' },
      environment: null,
      project: { id: 1, name: 'Test Project', organisation: 1 },
      related_object_id: 1,
      related_object_type: 'FEATURE',
    },
    event_type: 'AUDIT_LOG_CREATED',
  },
} as const;

/**
 * Flagsmith's TriggerSampleWebhookPermission: the scope names the organisation (by id) or the environment (by
 * api_key) whose admin the caller must be. Without a usable scope Flagsmith refuses (403); a scope that names
 * another tenant's object, or nothing, is a 404 here.
 */
async function checkScope(
  policies: { organisations: OrganisationPolicy; environments: EnvironmentPolicy },
  tenant: Tenant,
  scope: unknown,
): Promise<void> {
  const { type, id } = (typeof scope === 'object' && scope !== null ? scope : {}) as {
    type?: unknown;
    id?: unknown;
  };
  if (type === 'organisation') {
    // A number or a numeric string, within PostgreSQL's integer; anything else names no organisation.
    const organisationId = typeof id === 'number' || typeof id === 'string' ? pathId(String(id)) : undefined;
    const access =
      organisationId === undefined
        ? undefined
        : await policies.organisations.accessTo(tenant, organisationId);
    if (!access) throw domainErrors.notFound();
    if (!access.isAdmin) throw domainErrors.permissionDenied();
    return;
  }
  if (type === 'environment') {
    const access =
      typeof id === 'string' && id !== '' ? await policies.environments.accessTo(tenant, id) : undefined;
    if (!access) throw domainErrors.notFound();
    if (!access.isAdmin) throw domainErrors.permissionDenied();
    return;
  }
  throw domainErrors.permissionDenied();
}

/**
 * `POST /api/v1/webhooks/test/`: posts Flagsmith's sample event to a URL the admin is about to save, and says
 * how the receiver answered. It runs in the request (the admin waits for the answer, as in Flagsmith), with
 * the delivery's timeout, target check and signature.
 */
export function webhookTestRoutes(deps: {
  organisations: OrganisationPolicy;
  environments: EnvironmentPolicy;
  allowPrivateTargets: boolean;
  timeoutMs: number;
}): Router {
  const router = Router();
  route(router, '/test/', {
    post: {
      permission: tenantPermissions.tenant,
      handle: async (req, res) => {
        const tenant = tenantOf(req.principal) as Tenant;
        await checkScope(deps, tenant, (req.body as { scope?: unknown } | undefined)?.scope);
        const body = parseBody(testBody, req.body);
        const refusal = await targetRefusal(new URL(body.webhook_url), deps.allowPrivateTargets);
        if (refusal)
          throw ValidationError.field('webhook_url', `Webhooks may not call this address: ${refusal}`);
        const payload = pythonJsonDumps(sampleWebhookBodies[body.scope.type]);
        const headers: Record<string, string> = { 'Content-Type': 'application/json' };
        if (body.secret) headers[signatureHeader] = signPayload(payload, body.secret);
        let status: number;
        try {
          status = await postWebhook(body.webhook_url, payload, headers, {
            timeoutMs: deps.timeoutMs,
            allowPrivateTargets: deps.allowPrivateTargets,
          });
        } catch {
          res.status(400).json({
            detail: 'Could not connect to webhook URL',
            body: 'Please check the URL, and ensure it is valid and accessible from the server.',
          });
          return;
        }
        // requests' `response.ok`: anything below 400 (redirects are not followed, as Flagsmith does not).
        if (status >= 400 || status === 0) {
          res.status(400).json({
            detail: 'Webhook returned error status',
            body: `Webhook returned HTTP ${status}.`,
            status,
          });
          return;
        }
        res.json({ detail: 'Webhook test successful', status });
      },
    },
  });
  return router;
}
