import { type Request, Router } from 'express';
import { z } from 'zod';
import type { Permission } from '../auth/permission.js';
import {
  type EnvironmentAccess,
  type EnvironmentPolicy,
  type EnvironmentRule,
  environmentRules,
} from '../environments/environment-policy.js';
import { domainErrors, ValidationError } from '../errors/domain-error.js';
import { isUploadedFile } from '../http/multipart.js';
import { route } from '../http/routes.js';
import { parseBody } from '../http/validation.js';
import { existingPathId, pathId } from '../organisations/organisation-policy.js';
import { pageBody, pageRequest } from '../organisations/pagination.js';
import { tenantOf } from '../organisations/tenant.js';
import { type ProjectPolicy, projectRules } from '../projects/project-policy.js';
import { exportFile, maxImportBytes } from './feature-export-format.js';
import type {
  FeatureExportRow,
  FeatureImportExportService,
  FeatureImportRow,
} from './feature-import-export-service.js';

const integer = z
  .number({ error: 'A valid integer is required.' })
  .int('A valid integer is required.')
  .min(1, 'A valid integer is required.')
  .max(2_147_483_647, 'A valid integer is required.');
const createExportBody = z.object({
  environment_id: integer,
  tag_ids: z.array(integer, { error: 'Expected a list of items but got type "str".' }).max(1000),
});
const strategy = z.enum(['SKIP', 'OVERWRITE_DESTRUCTIVE'], {
  error: (issue) =>
    issue.input === undefined ? 'This field is required.' : `"${String(issue.input)}" is not a valid choice.`,
});
/** DRF's default PAGE_SIZE in Flagsmith's settings. */
const flagsmithPageSize = 10;

const iso = (date: Date | string) => new Date(date).toISOString();
const minutes = (date: Date | string) => iso(date).slice(0, 16).replace('T', ' ');

/** FeatureExportSerializer: `name` is the environment's name and the time of the export. */
function exportToWire(row: FeatureExportRow) {
  return {
    id: row.id,
    name: `${row.environment_name} | ${minutes(row.created_at)} UTC`,
    environment_id: row.environment_id,
    status: row.status,
    created_at: iso(row.created_at),
  };
}

/** FeatureImportSerializer. */
function importToWire(row: FeatureImportRow) {
  return {
    id: row.id,
    environment_id: row.environment_id,
    strategy: row.strategy,
    status: row.status,
    created_at: iso(row.created_at),
  };
}

/**
 * Flagsmith's feature export and import endpoints (`features/import_export/views.py`): exports and their
 * downloads need the environment's admin, an import (destructive) the organisation's admin, and the project
 * lists show only the environments the caller administers.
 */
export function featureImportExportRoutes(deps: {
  transfers: FeatureImportExportService;
  environmentPolicy: EnvironmentPolicy;
  projectPolicy: ProjectPolicy;
}) {
  const { transfers, environmentPolicy, projectPolicy } = deps;
  const resolved = new WeakMap<Request, EnvironmentAccess>();
  const accessOf = (req: Request) => resolved.get(req) as EnvironmentAccess;

  /** An environment found from the request; unknown, foreign and invisible ones are the same 404. */
  const onEnvironment = (
    rule: EnvironmentRule,
    apiKeyOf: (req: Request) => Promise<string | undefined>,
  ): Permission => ({
    name: rule.name,
    allows: async (principal, req) => {
      const tenant = tenantOf(principal);
      if (!tenant) return false;
      const apiKey = await apiKeyOf(req);
      const access = apiKey === undefined ? undefined : await environmentPolicy.accessTo(tenant, apiKey);
      if (!access) throw domainErrors.notFound();
      resolved.set(req, access);
      return rule.allows(access);
    },
  });
  const organisationAdmin: EnvironmentRule = {
    name: 'IsOrganisationAdmin',
    allows: (access) => access.organisation.isAdmin,
  };
  const byPathEnvironment = (req: Request) => {
    const id = pathId(req.params.environmentId);
    return id === undefined ? Promise.resolve(undefined) : transfers.environmentKeyOf(id);
  };

  const features = Router();
  route(features, '/create-feature-export/', {
    post: {
      permission: onEnvironment(environmentRules.admin, (req) =>
        transfers.environmentKeyOf(parseBody(createExportBody, req.body).environment_id),
      ),
      handle: async (req, res) => {
        const body = parseBody(createExportBody, req.body);
        const created = await transfers.createExport(accessOf(req), body.tag_ids);
        res.status(201).json(exportToWire(created));
      },
    },
  });
  route(features, '/download-feature-export/:exportId/', {
    get: {
      permission: onEnvironment(environmentRules.admin, (req) => {
        const id = pathId(req.params.exportId);
        return id === undefined ? Promise.resolve(undefined) : transfers.environmentKeyOfExport(id);
      }),
      handle: async (req, res) => {
        const id = existingPathId(req.params.exportId);
        const text = await transfers.download(id);
        res
          .status(200)
          .set('Content-Type', 'application/json')
          .set('Content-Disposition', `attachment; filename=feature_export.${id}.json`)
          .send(text);
      },
    },
  });
  route(features, '/feature-import/:environmentId', {
    post: {
      permission: onEnvironment(organisationAdmin, byPathEnvironment),
      handle: async (req, res) => {
        const body = (req.body ?? {}) as Record<string, unknown>;
        const file = body.file;
        const errors: Record<string, string[]> = {};
        if (!isUploadedFile(file))
          errors.file = [
            file === undefined
              ? 'No file was submitted.'
              : 'The submitted data was not a file. Check the encoding type on the form.',
          ];
        else if (file.size > maxImportBytes) errors.file = ['File size is too large.'];
        const chosen = strategy.safeParse(body.strategy);
        if (!chosen.success) errors.strategy = [chosen.error.issues[0]?.message ?? 'Invalid choice.'];
        if (Object.keys(errors).length > 0 || !isUploadedFile(file) || !chosen.success)
          throw new ValidationError(errors);
        const text = file.content.toString('utf8');
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          throw ValidationError.field('file', 'The file is not JSON.');
        }
        const items = exportFile.safeParse(parsed);
        if (!items.success) {
          const issue = items.error.issues[0];
          throw ValidationError.field(
            'file',
            `Not a Flagsmith feature export: ${issue?.path.join('.') || 'the file'}: ${issue?.message ?? ''}`.trim(),
          );
        }
        const imported = await transfers.importFile(accessOf(req), chosen.data, text, items.data);
        res.status(201).json(importToWire(imported));
      },
    },
  });

  // The project's exports and imports, of the environments the caller administers.
  const administered = async (req: Request): Promise<number[]> => {
    const tenant = tenantOf(req.principal);
    if (!tenant) return [];
    const ids: number[] = [];
    for (const environment of await transfers.environmentsOfProject(projectPolicy.accessOf(req).projectId)) {
      const access = await environmentPolicy.accessTo(tenant, environment.api_key);
      if (access?.isAdmin) ids.push(environment.id);
    }
    return ids;
  };
  const projects = Router();
  route(projects, '/:projectId/feature-exports/', {
    get: {
      permission: projectPolicy.permission(projectRules.view),
      handle: async (req, res) => {
        const page = pageRequest(req, flagsmithPageSize);
        const rows = await transfers.listExports(await administered(req));
        const slice = rows.slice(page.offset, page.offset + page.pageSize).map(exportToWire);
        res.json(pageBody(req, page, rows.length, slice));
      },
    },
  });
  route(projects, '/:projectId/feature-imports/', {
    get: {
      permission: projectPolicy.permission(projectRules.view),
      handle: async (req, res) => {
        const page = pageRequest(req, flagsmithPageSize);
        const rows = await transfers.listImports(await administered(req));
        const slice = rows.slice(page.offset, page.offset + page.pageSize).map(importToWire);
        res.json(pageBody(req, page, rows.length, slice));
      },
    },
  });

  return { features, projects };
}
