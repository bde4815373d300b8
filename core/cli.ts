import { loadSettings } from '../config/settings.js';
import type { AppContext } from './app-context.js';
import { composeContext, disposeContext } from './compose.js';
import { StartupError } from './errors/startup-error.js';
import { HttpError } from './http/http-error.js';
import { createLogger } from './logging/logger.js';

/**
 * Runs a command-line task against the configured database: settings are read exactly as the server reads
 * them, migrations are applied, and any error ends the process with one line and a non-zero exit.
 */
export async function runCli(task: (ctx: AppContext) => Promise<void>): Promise<void> {
  let ctx: AppContext | undefined;
  let exitCode = 0;
  try {
    const settings = loadSettings(process.env);
    // Commands talk to the terminal; only warnings and worse from the app log are worth showing there.
    ctx = await composeContext(settings, {
      logger: createLogger(settings.logLevel === 'debug' ? 'debug' : 'warn'),
    });
    await task(ctx);
  } catch (error) {
    exitCode = 1;
    if (error instanceof StartupError) process.stderr.write(`${error.toLine()}\n`);
    else if (error instanceof HttpError) process.stderr.write(`error: ${JSON.stringify(error.body)}\n`);
    else process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  } finally {
    if (ctx) await disposeContext(ctx);
  }
  process.exitCode = exitCode;
}
