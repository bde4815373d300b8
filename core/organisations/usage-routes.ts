import { Router } from 'express';
import { z } from 'zod';
import { domainErrors } from '../errors/domain-error.js';
import { route } from '../http/routes.js';
import { parseBody, singleQueryValues } from '../http/validation.js';
import { choice } from './organisation-fields.js';
import { type OrganisationPolicy, organisationRules as rules } from './organisation-policy.js';

const integer = z
  .string()
  .regex(/^\s*[-+]?\d+\s*$/, 'A valid integer is required.')
  .optional();

/** UsageDataQuerySerializer: `project_id`, `environment_id`, `period` and the label filters. */
const usageQuery = z.object({
  project_id: integer,
  environment_id: integer,
  period: choice(['current_billing_period', 'previous_billing_period', '90_day_period']).optional(),
  client_application_name: z.string().optional(),
  client_application_version: z.string().optional(),
  user_agent: z.string().optional(),
});

// Flagsmith's UsageDataPermission words its refusal itself.
const notAnAdmin = 'User does not have sufficient privileges to perform this action';

/**
 * `organisations/{id}/usage-data/` and `usage-data/total-count/`, answered as a self-hosted Flagsmith with no
 * analytics database (neither USE_POSTGRES_FOR_ANALYTICS nor InfluxDB) answers them: no usage, after the
 * same checks. Usage sinks are plugins; until one records API calls there is nothing to count.
 */
export function usageRoutes({ policy }: { policy: OrganisationPolicy }): Router {
  const router = Router();
  const adminsOnly = async (req: import('express').Request) => {
    if (!policy.accessOf(req).isAdmin) throw domainErrors.permissionDenied(notAnAdmin);
  };

  route(router, '/:organisationId/usage-data/', {
    get: {
      permission: policy.permission(rules.member),
      handle: async (req, res) => {
        await adminsOnly(req);
        const query = parseBody(usageQuery, singleQueryValues(req.query));
        // Billing periods come from the subscription information cache, which a self-hosted install never has.
        if (query.period === 'current_billing_period' || query.period === 'previous_billing_period')
          throw domainErrors.notFound('No billing periods found for this organisation.');
        res.json([]);
      },
    },
  });

  route(router, '/:organisationId/usage-data/total-count/', {
    get: {
      permission: policy.permission(rules.member),
      handle: async (req, res) => {
        await adminsOnly(req);
        res.json({ count: 0 });
      },
    },
  });

  return router;
}
