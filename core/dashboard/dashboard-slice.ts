import type { Kernel } from '../app-context.js';
import type { EnvironmentPolicy } from '../environments/environment-policy.js';
import type { OrganisationPolicy } from '../organisations/organisation-policy.js';
import type { ProjectPolicy } from '../projects/project-policy.js';
import { dashboardRoutes } from './dashboard-routes.js';

/** What Flagsmith's dashboard asks for on load that no other slice answers (docs/dashboard-compatibility.md). */
export function createDashboardSlice(
  kernel: Kernel,
  deps: {
    organisationPolicy: OrganisationPolicy;
    projectPolicy: ProjectPolicy;
    environmentPolicy: EnvironmentPolicy;
  },
): void {
  const routers = dashboardRoutes({ ...deps, reads: kernel.transactor.reads });
  kernel.routes.mount('dashboard', 'api', '/projects', routers.projects);
  kernel.routes.mount('dashboard', 'api', '/environments', routers.environments);
  kernel.routes.mount('dashboard', 'api', '/organisations', routers.organisations);
  kernel.routes.mount('dashboard', 'api', '/metadata', routers.metadata);
}
