import type { Server } from 'node:http';
import { pathToFileURL } from 'node:url';
import type { Express } from 'express';
import { loadSettings } from '../config/settings.js';
import { openDatabase } from '../db/database.js';
import type { AppContext } from './app-context.js';
import { StartupError, StartupErrorCode } from './errors/startup-error.js';

const shutdownGraceMs = 10_000;

export interface RunningServer {
  readonly server: Server;
  stop(): Promise<void>;
}

/**
 * Listens on `port` and returns a stop() that shuts down gracefully: no new connections, in-flight requests
 * finish (within a deadline), then the context's pool and caches are released.
 */
export async function serve(app: Express, ctx: AppContext, port: number): Promise<RunningServer> {
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(port, (error?: Error) => (error ? reject(error) : resolve(listening)));
  }).catch((error: NodeJS.ErrnoException) => {
    throw new StartupError(
      StartupErrorCode.listenFailed,
      error.code === 'EADDRINUSE'
        ? `PORT ${port} is already in use`
        : `cannot listen on PORT ${port}: ${error.message}`,
      'PORT',
    );
  });
  let stopping: Promise<void> | undefined;
  const stop = () => {
    // Idle keep-alive sockets are closed at once so that they do not hold the process open; busy ones are
    // closed by Node as soon as their response is sent.
    stopping ??= new Promise<void>((resolve) => {
      const deadline = setTimeout(() => server.closeAllConnections(), shutdownGraceMs);
      deadline.unref();
      server.close(() => {
        clearTimeout(deadline);
        resolve();
      });
      server.closeIdleConnections();
    }).then(async () => {
      const { disposeContext } = await import('./compose.js');
      await disposeContext(ctx);
    });
    return stopping;
  };
  return { server, stop };
}

/** Loads settings from the environment, wires the app and listens on PORT. */
export async function startServer(env: NodeJS.ProcessEnv = process.env): Promise<RunningServer> {
  const settings = loadSettings(env);
  // Start-up time is a goal: the database opens (PGlite compiles its WebAssembly off the main thread)
  // while the app's modules load, instead of one after the other.
  const opening = openDatabase(settings.database);
  // A failure is reported at `await opening` below; this only stops it counting as unhandled meanwhile.
  opening.catch(() => undefined);
  const [{ buildApp }, { composeContext, disposeContext }] = await Promise.all([
    import('./app.js'),
    import('./compose.js'),
  ]);
  const ctx = await composeContext(settings, { database: await opening });
  let running: RunningServer;
  try {
    running = await serve(buildApp(ctx), ctx, settings.port);
  } catch (error) {
    // Close the database cleanly even when start-up fails half-way (the embedded one is a folder of files).
    await disposeContext(ctx);
    throw error;
  }
  ctx.logger.info(
    {
      port: settings.port,
      database: settings.database.kind,
      env: settings.env,
      startupMs: Math.round(performance.now()),
    },
    `Vexil listening on port ${settings.port}`,
  );
  if (!(await ctx.users.superuserExists())) {
    ctx.logger.info(
      `No superuser yet: open http://localhost:${settings.port}/api/v1/users/config/init/ or run npm run createsuperuser`,
    );
  }
  return running;
}

async function main(): Promise<void> {
  let running: RunningServer;
  try {
    running = await startServer();
  } catch (error) {
    if (error instanceof StartupError) {
      process.stderr.write(`${error.toLine()}\n`);
      process.exit(1);
    }
    throw error;
  }
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      running.stop().then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(`error during shutdown: ${String(error)}\n`);
          process.exit(1);
        },
      );
    });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main();
}
