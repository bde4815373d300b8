import type { Express } from 'express';
import { pino } from 'pino';
import { loadSettings, type Settings } from '../../config/settings.js';
import { buildApp } from '../../core/app.js';
import type { AppContext } from '../../core/app-context.js';
import { composeContext, disposeContext } from '../../core/compose.js';
import { createTestDatabase } from './test-database.js';

export interface TestApp {
  readonly app: Express;
  readonly ctx: AppContext;
  readonly settings: Settings;
  close(): Promise<void>;
}

/**
 * The real app, wired by the real composition root, on a fresh database of its own. `env` holds the
 * variables under test, exactly as an operator would set them.
 */
export async function createTestApp(
  env: Record<string, string> = {},
  options: { beforeBuild?: (ctx: AppContext) => void } = {},
): Promise<TestApp> {
  const settings = loadSettings({ ENV: 'test', DJANGO_SECRET_KEY: 'test-secret-key', ...env });
  const database = await createTestDatabase();
  const ctx = await composeContext(settings, {
    database,
    migrate: false,
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
  });
  // Where a plugin would register its strategies and routers: after the core slices, before the app is built.
  options.beforeBuild?.(ctx);
  return { app: buildApp(ctx), ctx, settings, close: () => disposeContext(ctx) };
}

/** Runs `use` against a fresh app configured by `env`, closing it afterwards whatever happens. */
export async function withTestApp<T>(
  env: Record<string, string>,
  use: (t: TestApp) => Promise<T>,
): Promise<T> {
  const t = await createTestApp(env);
  try {
    return await use(t);
  } finally {
    await t.close();
  }
}
