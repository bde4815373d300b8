import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Router } from 'express';
import { permissions } from '../auth/permission.js';
import type { DataScope } from '../data/unit-of-work.js';
import { route } from '../http/routes.js';
import { projectRoot } from '../project-root.js';

export interface InstanceFacts {
  /** Whether any account exists, and whether anyone has ever signed in (Flagsmith's `self_hosted_data`). */
  usage(scope: DataScope): Promise<{ hasUsers: boolean; hasLogins: boolean }>;
}

export interface VersionRoutesDeps {
  readonly facts: InstanceFacts;
  readonly reads: DataScope;
  /** Whether an email plugin is active: the dashboard offers invites by email only then. */
  readonly hasEmailProvider: () => boolean;
}

const packageVersion = (
  JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string }
).version;

/**
 * `GET /version/` at the site root: Flagsmith's dashboard reads it on load to decide what to offer (SaaS-only and
 * enterprise features stay hidden) and whether this is a fresh install.
 */
export function versionRoutes({ facts, reads, hasEmailProvider }: VersionRoutesDeps): Router {
  const router = Router();
  route(router, '/version/', {
    get: {
      permission: permissions.allowAny,
      handle: async (_req, res) => {
        const usage = await facts.usage(reads);
        res.json({
          ci_commit_sha: 'unknown',
          image_tag: packageVersion,
          has_email_provider: hasEmailProvider(),
          is_enterprise: false,
          is_saas: false,
          self_hosted_data: { has_users: usage.hasUsers, has_logins: usage.hasLogins },
          package_versions: { vexil: packageVersion },
        });
      },
    },
  });
  return router;
}
