import type { Settings } from './settings.js';

/**
 * Settings that work but leave a hole an operator should know about, one line each, for the start-up log.
 * Nothing here is fatal: a local install on `*` is normal, a public one should name its hosts.
 */
export function startupWarnings(
  settings: Pick<Settings, 'allowedHosts' | 'webConcurrency' | 'database'>,
): string[] {
  const warnings: string[] = [];
  if (settings.allowedHosts.includes('*')) {
    warnings.push(
      'DJANGO_ALLOWED_HOSTS is *: any Host header is accepted, so DNS rebinding then passes any origin check ' +
        '(the first-run form included). Set it to the names this server is reached by.',
    );
  }
  if (settings.webConcurrency > 1 && settings.database.kind === 'embedded') {
    warnings.push(
      `WEB_CONCURRENCY is ${settings.webConcurrency}, but the embedded database lives inside one process: ` +
        'running one. Set DATABASE_URL to a PostgreSQL server to run several workers.',
    );
  }
  return warnings;
}
