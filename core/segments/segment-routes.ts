import type { Request } from 'express';
import { Router } from 'express';
import { z } from 'zod';
import { ValidationError } from '../errors/domain-error.js';
import { route } from '../http/routes.js';
import { fields, parseBody } from '../http/validation.js';
import { pathId } from '../organisations/organisation-policy.js';
import { pageBody, pageRequest } from '../organisations/pagination.js';
import { type ProjectPolicy, projectRules as rules } from '../projects/project-policy.js';
import { parseSegmentBody, type RuleInput } from './segment-body.js';
import type { SegmentWithRules, StoredRule } from './segment-model.js';
import type { SegmentService } from './segment-service.js';

interface WireCondition {
  id: number;
  operator: string;
  property: string | null;
  value: string | null;
  description: string | null;
}

interface WireRule {
  id: number;
  type: string;
  rules?: WireRule[];
  conditions: WireCondition[];
}

function ruleToWire(rule: StoredRule, nested: boolean): WireRule {
  const conditions = rule.conditions.map((condition) => ({
    id: condition.id,
    operator: condition.operator,
    property: condition.property,
    value: condition.value,
    description: condition.description,
  }));
  // Flagsmith's nested rule serializer has no `rules` field.
  if (nested) return { id: rule.id, type: rule.type, conditions };
  return {
    id: rule.id,
    type: rule.type,
    rules: rule.rules.map((child) => ruleToWire(child, true)),
    conditions,
  };
}

/** SegmentSerializer's fields; metadata and membership counts are features we do not have (empty lists). */
export function segmentToWire({ segment, rules: stored }: SegmentWithRules) {
  return {
    id: segment.id,
    uuid: segment.uuid,
    name: segment.name,
    description: segment.description,
    project: segment.project_id,
    feature: segment.feature_id,
    version_of: segment.version_of_id,
    version: segment.version,
    created_at: segment.created_at,
    updated_at: segment.updated_at,
    is_system_segment: segment.is_system_segment,
    managed_by: segment.managed_by,
    rules: stored.map((rule) => ruleToWire(rule, false)),
    metadata: [],
    membership_counts: [],
  };
}

// DRF's BooleanField.TRUE_VALUES and FALSE_VALUES, as strings.
const drfTrue = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON', '1']);
const drfFalse = new Set(['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF', '0']);

/** DRF's BooleanField reading a query parameter; Flagsmith's default for `include_feature_specific` is true. */
function booleanQuery(req: Request, name: string, fallback: boolean): boolean {
  const raw = req.query[name];
  if (raw === undefined || raw === '') return fallback;
  if (typeof raw === 'string') {
    if (drfTrue.has(raw)) return true;
    if (drfFalse.has(raw)) return false;
  }
  throw ValidationError.field(name, 'Must be a valid boolean.');
}

/**
 * `?identity=`: an identity's id. Flagsmith also takes an edge identity's uuid there; Vexil has no edge
 * identities, so anything but a whole number is a 400.
 */
function identityQuery(req: Request): number | undefined {
  const raw = req.query.identity;
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw === 'string' && /^\d{1,9}$/.test(raw)) return Number(raw);
  throw ValidationError.field('identity', 'A valid integer is required.');
}

function segmentId(req: Request): number {
  // An id that is not a number is an unknown segment, as Django's URL pattern makes it.
  return pathId(req.params.segmentId) ?? -1;
}

/** `/api/v1/projects/{id}/segments/…`: VIEW_PROJECT reads them, MANAGE_SEGMENTS changes them. */
export function segmentRoutes(deps: { segments: SegmentService; policy: ProjectPolicy }): Router {
  const { segments, policy } = deps;
  const manage = policy.permission(rules.granted('MANAGE_SEGMENTS'));
  const router = Router({ mergeParams: true });

  route(router, '/:projectId/segments/', {
    get: {
      permission: policy.permission(rules.view),
      handle: async (req, res) => {
        const page = pageRequest(req);
        const search = typeof req.query.q === 'string' ? req.query.q : '';
        const { count, results } = await segments.list(policy.accessOf(req), {
          search,
          includeFeatureSpecific: booleanQuery(req, 'include_feature_specific', true),
          identityId: identityQuery(req),
          offset: page.offset,
          limit: page.pageSize,
        });
        res.json(pageBody(req, page, count, results.map(segmentToWire)));
      },
    },
    post: {
      permission: manage,
      handle: async (req, res) => {
        const body = parseSegmentBody(req.body, false);
        const created = await segments.create(policy.accessOf(req), {
          ...body,
          name: body.name as string,
          rules: body.rules as RuleInput[],
        });
        res.status(201).json(segmentToWire(created));
      },
    },
  });

  route(router, '/:projectId/segments/:segmentId/', {
    get: {
      permission: policy.permission(rules.view),
      handle: async (req, res) =>
        void res.json(segmentToWire(await segments.view(policy.accessOf(req), segmentId(req)))),
    },
    put: {
      permission: manage,
      handle: async (req, res) => {
        const body = parseSegmentBody(req.body, false);
        res.json(segmentToWire(await segments.update(policy.accessOf(req), segmentId(req), body)));
      },
    },
    patch: {
      permission: manage,
      handle: async (req, res) => {
        const body = parseSegmentBody(req.body, true);
        res.json(segmentToWire(await segments.update(policy.accessOf(req), segmentId(req), body)));
      },
    },
    delete: {
      permission: manage,
      handle: async (req, res) => {
        await segments.delete(policy.accessOf(req), segmentId(req));
        res.status(204).end();
      },
    },
  });

  // CloneSegmentSerializer: only `name`.
  const cloneBody = z.object({ name: fields.string({ max: 2000 }) });
  route(router, '/:projectId/segments/:segmentId/clone/', {
    post: {
      permission: manage,
      handle: async (req, res) => {
        const { name } = parseBody(cloneBody, req.body);
        res.status(201).json(segmentToWire(await segments.clone(policy.accessOf(req), segmentId(req), name)));
      },
    },
  });

  return router;
}
