import { loadSettings } from '../config/settings.js';
import type { AppContext } from './app-context.js';
import { composeContext, disposeContext } from './compose.js';
import { DomainError, ValidationError } from './errors/domain-error.js';
import { StartupError } from './errors/startup-error.js';
import { createLogger } from './logging/logger.js';

/** Runs `task`, turning any error into one line on stderr and a non-zero exit code. */
export async function runTask(task: () => Promise<void>): Promise<void> {
  try {
    await task();
  } catch (error) {
    process.exitCode = 1;
    if (error instanceof StartupError) process.stderr.write(`${error.toLine()}\n`);
    else if (error instanceof ValidationError)
      process.stderr.write(`${error.code}: ${JSON.stringify(error.fields)}\n`);
    else if (error instanceof DomainError) process.stderr.write(`${error.code}: ${error.detail}\n`);
    else process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}

/**
 * Runs a command-line task against the configured database: settings are read exactly as the server reads
 * them, migrations are applied, and any error ends the process with one line and a non-zero exit.
 */
export function runCli(task: (ctx: AppContext) => Promise<void>): Promise<void> {
  return runTask(async () => {
    const settings = loadSettings(process.env);
    // Commands talk to the terminal: info lines from the app log are noise there (DEBUG still shows all).
    const ctx = await composeContext(settings, {
      logger: createLogger(settings.logLevel === 'info' ? 'warn' : settings.logLevel),
    });
    try {
      await task(ctx);
    } finally {
      await disposeContext(ctx);
    }
  });
}
