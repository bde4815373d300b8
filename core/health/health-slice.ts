import type { Kernel } from '../app-context.js';
import { healthRoutes } from './health-routes.js';

/** Liveness and readiness probes, mounted at the root (no body parsing, no identification). */
export function createHealthSlice(kernel: Kernel) {
  kernel.routes.mount('health', 'root', '/', healthRoutes(kernel.database));
  return {};
}
