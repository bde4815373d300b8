import { Router } from 'express';
import type { Database } from '../../db/database.js';
import { permissions } from '../auth/permission.js';
import { route } from '../http/routes.js';

/**
 * Flagsmith's probes: liveness says the process answers; readiness (and the legacy `/health`) also asks
 * the database, answering 503 while it is unreachable so that a load balancer stops sending traffic.
 */
export function healthRoutes(database: Database): Router {
  const router = Router();
  const readiness = async (_req: unknown, res: import('express').Response) => {
    try {
      await database.knex.raw('select 1');
      res.json({ status: 'ok', checks: { database: 'ok' } });
    } catch {
      res.status(503).json({ status: 'error', checks: { database: 'unavailable' } });
    }
  };
  const probe = permissions.allowAny;
  route(router, '/health/liveness/', {
    get: { permission: probe, handle: (_req, res) => void res.json({ status: 'ok' }) },
  });
  route(router, '/health/readiness/', { get: { permission: probe, handle: readiness } });
  route(router, '/health/', { get: { permission: probe, handle: readiness } });
  return router;
}
