import type { Server } from 'node:http';
import { pathToFileURL } from 'node:url';
import { loadSettings } from '../config/settings.js';
import { buildApp } from './app.js';
import { composeContext, disposeContext } from './compose.js';
import { StartupError } from './errors/startup-error.js';

const shutdownGraceMs = 10_000;

export interface RunningServer {
  readonly server: Server;
  stop(): Promise<void>;
}

/** Loads settings, wires the app and listens on PORT. */
export async function startServer(env: NodeJS.ProcessEnv = process.env): Promise<RunningServer> {
  const settings = loadSettings(env);
  const ctx = await composeContext(settings);
  const app = buildApp(ctx);
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(settings.port, (error?: Error) =>
      error ? reject(error) : resolve(listening),
    );
  });
  ctx.logger.info(
    { port: settings.port, database: settings.database.kind, env: settings.env },
    `Vexil listening on port ${settings.port}`,
  );

  let stopping: Promise<void> | undefined;
  const stop = () => {
    // server.close() stops accepting and waits for in-flight requests; idle keep-alive sockets are closed
    // so that they do not hold the process open, and a deadline bounds a request that never finishes.
    stopping ??= new Promise<void>((resolve) => {
      const deadline = setTimeout(() => server.closeAllConnections(), shutdownGraceMs);
      deadline.unref();
      server.close(() => {
        clearTimeout(deadline);
        resolve();
      });
      server.closeIdleConnections();
    }).then(() => disposeContext(ctx));
    return stopping;
  };
  return { server, stop };
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
