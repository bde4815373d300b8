import type { Request } from 'express';
import type { Permission } from '../auth/permission.js';
import { domainErrors } from '../errors/domain-error.js';
import { type Tenant, tenantOf } from './tenant.js';

/**
 * The access a route permission resolved for one request, kept so that the handler reads it instead of
 * looking it up again. Each policy level (organisation, project, environment) holds one.
 */
export class ResolvedAccess<Access> {
  readonly #byRequest = new WeakMap<Request, Access>();

  constructor(private readonly level: string) {}

  /**
   * A route permission: the caller's access to the object the path names, which is a 404 when there is none
   * (another tenant's object, an unknown or malformed id alike), kept for the handler, then `allows` decides.
   */
  permission(
    name: string,
    resolve: (tenant: Tenant, req: Request) => Promise<Access | undefined>,
    allows: (access: Access, req: Request) => boolean | Promise<boolean>,
  ): Permission {
    return {
      name,
      allows: async (principal, req) => {
        const tenant = tenantOf(principal);
        if (!tenant) return false;
        const access = await resolve(tenant, req);
        if (!access) throw domainErrors.notFound();
        this.#byRequest.set(req, access);
        return allows(access, req);
      },
    };
  }

  /** The access a permission from `permission()` resolved for this request. */
  of(req: Request): Access {
    const access = this.#byRequest.get(req);
    if (!access) throw new Error(`${req.method} ${req.path}: no ${this.level} permission ran for this route`);
    return access;
  }
}
