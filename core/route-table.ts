import type { Router } from 'express';
import type { LeanRoute } from './http/lean-route.js';

/**
 * - `api`: under `/api/v1`, after body parsing and identification (every route sees `req.principal`).
 * - `root`: at the site root, before them (health probes, static pages, a plugin's webhook receiver).
 */
export type MountScope = 'api' | 'root';

export interface RouteMount {
  /** The slice or plugin id, for logs and for refusing two owners of one path. */
  readonly owner: string;
  readonly scope: MountScope;
  /** Relative to the scope's base, e.g. `/auth`; `/` for routers that carry full paths. */
  readonly path: string;
  readonly router: Router;
}

/**
 * Every router the app mounts, in order: core slices first, then plugins. All of them sit in front of the
 * core 404 and error handlers, so a plugin's errors get the same DRF shapes as core's.
 */
export class RouteTable {
  readonly #mounts: RouteMount[] = [];
  readonly #lean: { owner: string; route: LeanRoute }[] = [];

  mount(owner: string, scope: MountScope, path: string, router: Router): void {
    if (!path.startsWith('/')) throw new Error(`${owner}: mount path "${path}" must start with /`);
    this.#mounts.push({ owner, scope, path, router });
  }

  in(scope: MountScope): readonly RouteMount[] {
    return this.#mounts.filter((mount) => mount.scope === scope);
  }

  /**
   * An exact path answered on the dispatcher's lean lane, before Express (the SDK endpoints): the same edge
   * (security headers, host check, access log) but no middleware chain. One owner per path.
   */
  lean(owner: string, route: LeanRoute): void {
    const taken = this.#lean.find((entry) => entry.route.path === route.path);
    if (taken) throw new Error(`${owner}: the lean path ${route.path} belongs to ${taken.owner} already`);
    this.#lean.push({ owner, route });
  }

  leanRoutes(): readonly LeanRoute[] {
    return this.#lean.map((entry) => entry.route);
  }
}
