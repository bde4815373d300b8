import { type Request, Router } from 'express';
import { z } from 'zod';
import type { DataScope } from '../data/unit-of-work.js';
import { type EnvironmentPolicy, environmentRules } from '../environments/environment-policy.js';
import { domainErrors } from '../errors/domain-error.js';
import { route } from '../http/routes.js';
import { parseBody, singleQueryValues } from '../http/validation.js';
import { choice } from '../organisations/organisation-fields.js';
import { type OrganisationPolicy, organisationRules, pathId } from '../organisations/organisation-policy.js';
import { pageBody, pageRequest } from '../organisations/pagination.js';
import { tenantOf } from '../organisations/tenant.js';
import { type ProjectPolicy, projectRules } from '../projects/project-policy.js';
import { dailyEvaluations, environmentMetrics } from './environment-metrics.js';

/**
 * The integrations Flagsmith's open source registers, by level. The dashboard's integrations pages ask each
 * for its configuration; integrations are plugins here and none ships yet, so every list is empty.
 */
const projectIntegrations = ['datadog', 'new-relic', 'gitlab', 'grafana'] as const;
const environmentIntegrations = [
  'amplitude',
  'segment',
  'heap',
  'dynatrace',
  'grafana',
  'mixpanel',
  'sentry',
  'slack',
  'webhook',
  'rudderstack',
] as const;

const drfBoolean = z
  .string()
  .regex(/^(true|false|1|0|yes|no|on|off)$/i, 'Must be a valid boolean.')
  .optional();
const integer = z
  .string({ error: 'This field is required.' })
  .regex(/^\d{1,9}$/, 'A valid integer is required.');

/** MetadataFieldQuerySerializer: `organisation` is required. */
const metadataFieldsQuery = z.object({ organisation: integer });
/** ProjectMetadataFieldQuerySerializer. */
const projectMetadataFieldsQuery = z.object({
  include_organisation: drfBoolean,
  entity: choice(['feature', 'segment', 'environment']).optional(),
});
/** What the dashboard's environment navbar and change-request pages filter by. */
const changeRequestsQuery = z.object({
  committed: drfBoolean,
  live_from_after: z
    .string()
    .refine((value) => !Number.isNaN(Date.parse(value)), {
      message:
        'Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].',
    })
    .optional(),
  search: z.string().optional(),
});

/** GetUsageDataQuerySerializer: `period` in days (30 by default), `environment_id` required. */
const evaluationDataQuery = z.object({
  period: z
    .string()
    .regex(/^\s*[-+]?\d{1,9}\s*$/, 'A valid integer is required.')
    .transform(Number)
    .default(30),
  environment_id: integer.transform(Number),
});

/** An empty DRF page, after the page request itself is checked as DRF checks it (a bad `page` is a 404). */
function emptyPage(req: Request) {
  return pageBody(req, pageRequest(req), 0, []);
}

/**
 * What Flagsmith's dashboard asks for on the pages a self-hosted open-source user reaches, where Vexil has
 * nothing behind it (see docs/dashboard-compatibility.md): each answers what an open-source Flagsmith with
 * no such data answers — an empty list, plain or paginated as Flagsmith's view is — after the same permission
 * and input checks, so that the dashboard renders its empty state instead of an error. Environment metrics
 * are real: the features page's summary cards.
 */
export function dashboardRoutes(deps: {
  organisationPolicy: OrganisationPolicy;
  projectPolicy: ProjectPolicy;
  environmentPolicy: EnvironmentPolicy;
  reads: DataScope;
}) {
  const { organisationPolicy, projectPolicy, environmentPolicy, reads } = deps;

  const projects = Router();
  const viewProject = projectPolicy.permission(projectRules.view);
  // FeatureHealthEventViewSet and FeatureHealthProviderViewSet: plain lists (no pagination), VIEW_PROJECT.
  for (const path of ['feature-health/events', 'feature-health/providers']) {
    route(projects, `/:projectId/${path}/`, {
      get: { permission: viewProject, handle: (_req, res) => void res.json([]) },
    });
  }
  // ProjectIntegrationBaseViewSet: plain lists, VIEW_PROJECT.
  for (const integration of projectIntegrations) {
    route(projects, `/:projectId/integrations/${integration}/`, {
      get: { permission: viewProject, handle: (_req, res) => void res.json([]) },
    });
  }
  // ProjectMetadataFieldViewSet: paginated.
  route(projects, '/:projectId/metadata/fields/', {
    get: {
      permission: viewProject,
      handle: (req, res) => {
        parseBody(projectMetadataFieldsQuery, singleQueryValues(req.query));
        res.json(emptyPage(req));
      },
    },
  });

  // The edit-feature modal's Usage tab: daily evaluations the SDKs reported (POST /analytics/flags/).
  route(projects, '/:projectId/features/:featureId/evaluation-data/', {
    get: {
      permission: viewProject,
      handle: async (req, res) => {
        const { projectId } = projectPolicy.accessOf(req);
        const query = parseBody(evaluationDataQuery, singleQueryValues(req.query));
        const featureId = pathId(req.params.featureId);
        const feature =
          featureId === undefined
            ? undefined
            : await reads.knex('features').where({ id: featureId, project_id: projectId }).first('id');
        const environment = await reads
          .knex('environments')
          .where({ id: query.environment_id, project_id: projectId })
          .first('id');
        if (!feature || !environment) throw domainErrors.notFound();
        res.json(await dailyEvaluations(reads, environment.id, feature.id, query.period));
      },
    },
  });

  // The code references tab: Flagsmith fills it from scans its CI tool uploads, which Vexil does not take
  // yet, so a feature of the project has none (a plain list, as FeatureFlagCodeReferenceDetailAPIView answers).
  route(projects, '/:projectId/features/:featureId/code-references/', {
    get: {
      permission: viewProject,
      handle: async (req, res) => {
        const { projectId } = projectPolicy.accessOf(req);
        const featureId = pathId(req.params.featureId);
        const feature =
          featureId === undefined
            ? undefined
            : await reads.knex('features').where({ id: featureId, project_id: projectId }).first('id');
        if (!feature) throw domainErrors.notFound();
        res.json([]);
      },
    },
  });

  const environments = Router();
  const viewEnvironment = environmentPolicy.permission(environmentRules.view);
  for (const integration of environmentIntegrations) {
    route(environments, `/:apiKey/integrations/${integration}/`, {
      get: { permission: viewEnvironment, handle: (_req, res) => void res.json([]) },
    });
  }
  // Change requests belong to Flagsmith's private workflows module; a paginated empty list keeps the
  // environment navbar (which asks twice on every environment page) quiet.
  route(environments, '/:apiKey/list-change-requests/', {
    get: {
      permission: viewEnvironment,
      handle: (req, res) => {
        parseBody(changeRequestsQuery, singleQueryValues(req.query));
        res.json(emptyPage(req));
      },
    },
  });
  route(environments, '/:apiKey/metrics/', {
    get: {
      permission: viewEnvironment,
      handle: async (req, res) => {
        const { environmentId } = environmentPolicy.accessOf(req);
        res.json({ metrics: await environmentMetrics(reads, environmentId) });
      },
    },
  });

  const organisations = Router();
  const admin = organisationPolicy.permission(organisationRules.admin);
  const member = organisationPolicy.permission(organisationRules.member);
  // GithubConfigurationViewSet: any member lists it, paginated (the default pagination).
  route(organisations, '/:organisationId/integrations/github/', {
    get: { permission: member, handle: (req, res) => void res.json(emptyPage(req)) },
  });
  // MetaDataModelFieldViewSet (paginated) and its supported-content-types action (a plain list): with no
  // content types the dashboard keeps its custom-field inputs hidden.
  route(organisations, '/:organisationId/metadata-model-fields/', {
    get: { permission: admin, handle: (req, res) => void res.json(emptyPage(req)) },
  });
  route(organisations, '/:organisationId/metadata-model-fields/supported-content-types/', {
    get: { permission: member, handle: (_req, res) => void res.json([]) },
  });
  // Roles are Flagsmith's enterprise RBAC; a paginated empty list for the places that ask regardless.
  route(organisations, '/:organisationId/roles/', {
    get: { permission: member, handle: (req, res) => void res.json(emptyPage(req)) },
  });

  const metadata = Router();
  // MetadataFieldViewSet's list: `?organisation=` required; an organisation the caller is not in is not found.
  route(metadata, '/fields/', {
    get: {
      permission: {
        name: 'IsOrganisationMember(organisation)',
        allows: async (principal, req) => {
          const tenant = tenantOf(principal);
          if (!tenant) return false;
          const { organisation } = parseBody(metadataFieldsQuery, singleQueryValues(req.query));
          if (!(await organisationPolicy.accessTo(tenant, Number(organisation))))
            throw domainErrors.notFound();
          return true;
        },
      },
      handle: (req, res) => void res.json(emptyPage(req)),
    },
  });

  return { projects, environments, organisations, metadata };
}
