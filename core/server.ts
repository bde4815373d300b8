import { createServer, type RequestListener, type Server } from 'node:http';
import { pathToFileURL } from 'node:url';
import { type HttpTimeouts, loadSettings } from '../config/settings.js';
import { startupWarnings } from '../config/startup-warnings.js';
import { openDatabase } from '../db/database.js';
import type { AppContext } from './app-context.js';
import { isClusterWorker, runsAsCluster, startCluster } from './cluster.js';
import { StartupError, StartupErrorCode } from './errors/startup-error.js';
import { createLogger } from './logging/logger.js';

const shutdownGraceMs = 10_000;

export interface RunningServer {
  readonly server: Server;
  stop(): Promise<void>;
}

/** A node server bounded by the HTTP_*_TIMEOUT_SECONDS settings. */
export function createBoundedServer(handler: RequestListener, timeouts: HttpTimeouts): Server {
  const headersTimeout = timeouts.headersSeconds * 1000;
  const requestTimeout = timeouts.requestSeconds * 1000;
  return createServer(
    {
      headersTimeout,
      requestTimeout,
      keepAliveTimeout: timeouts.keepAliveSeconds * 1000,
      // Node sweeps for overdue requests every 30 s by default, which would let a slow client outlive a 10 s
      // bound by up to half a minute.
      connectionsCheckingInterval: Math.min(1000, headersTimeout / 2),
    },
    handler,
  );
}

/**
 * Listens on `port` with `handler` (the dispatcher from buildRequestHandler(), or any node request handler such
 * as an Express app) and returns a stop() that shuts down gracefully: no new connections, in-flight requests on
 * either lane finish (within a deadline), then the context's pool and caches are released.
 */
export async function serve(handler: RequestListener, ctx: AppContext, port: number): Promise<RunningServer> {
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = createBoundedServer(handler, ctx.settings.timeouts);
    listening.once('error', reject);
    listening.listen(port, () => {
      listening.off('error', reject);
      resolve(listening);
    });
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
    // Idle keep-alive sockets are closed at once so that they do not hold the process open, and busy ones as
    // soon as their response has gone: otherwise each would wait out its keep-alive timeout or the deadline.
    stopping ??= new Promise<void>((resolve) => {
      const deadline = setTimeout(() => server.closeAllConnections(), shutdownGraceMs);
      deadline.unref();
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      sweep.unref();
      server.close(() => {
        clearTimeout(deadline);
        clearInterval(sweep);
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
  const [{ buildRequestHandler }, { composeContext, disposeContext }] = await Promise.all([
    import('./app.js'),
    import('./compose.js'),
  ]);
  // A cluster's primary has migrated before forking its workers.
  const worker = isClusterWorker(env);
  const ctx = await composeContext(settings, { database: await opening, migrate: !worker });
  let running: RunningServer;
  try {
    running = await serve(buildRequestHandler(ctx), ctx, settings.port);
  } catch (error) {
    // Close the database cleanly even when start-up fails half-way (the embedded one is a folder of files).
    await disposeContext(ctx);
    throw error;
  }
  ctx.logger.info(
    {
      port: settings.port,
      pid: process.pid,
      database: settings.database.kind,
      env: settings.env,
      startupMs: Math.round(performance.now()),
    },
    `Vexil listening on http://localhost:${settings.port}`,
  );
  if (worker) return running;
  for (const warning of startupWarnings(settings)) ctx.logger.warn(warning);
  if (!(await ctx.users.superuserExists())) {
    ctx.logger.info(
      `No superuser yet: open http://localhost:${settings.port}/api/v1/users/config/init/ or run npm run createsuperuser`,
    );
  }
  return running;
}

async function main(): Promise<void> {
  let stop: () => Promise<void>;
  try {
    const settings = loadSettings(process.env);
    if (runsAsCluster(settings)) {
      const logger = createLogger(settings.logLevel);
      for (const warning of startupWarnings(settings)) logger.warn(warning);
      const running = await startCluster(settings, logger);
      void running.failed.then((code) => process.exit(code));
      stop = running.stop;
    } else {
      stop = (await startServer()).stop;
    }
  } catch (error) {
    if (error instanceof StartupError) {
      process.stderr.write(`${error.toLine()}\n`);
      process.exit(1);
    }
    throw error;
  }
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      stop().then(
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
