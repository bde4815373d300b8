import cluster, { type Worker } from 'node:cluster';
import type { Settings } from '../config/settings.js';
import { openDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrator.js';
import type { Logger } from './logging/logger.js';

/** Set in a worker's environment: the primary has migrated, so the worker skips it. */
export const clusterWorkerVariable = 'VEXIL_CLUSTER_WORKER';

/** A worker that dies sooner than this after starting counts as failing to start, not as a crash. */
const startupWindowMs = 10_000;
/** Workers failing to start this many times in a row stop the cluster instead of restarting forever. */
const maxStartupFailures = 5;
const shutdownGraceMs = 15_000;

/**
 * WEB_CONCURRENCY workers share one port (node:cluster hands connections round-robin), which is how one
 * Heroku dyno or container uses all its cores. Only PostgreSQL can be shared between processes; the caches
 * of the workers are kept consistent by the database's notifications, as between separate servers.
 */
export function runsAsCluster(settings: Pick<Settings, 'webConcurrency' | 'database'>): boolean {
  return settings.webConcurrency > 1 && settings.database.kind === 'postgres' && cluster.isPrimary;
}

export function isClusterWorker(env: NodeJS.ProcessEnv = process.env): boolean {
  return cluster.isWorker && env[clusterWorkerVariable] === '1';
}

export interface RunningCluster {
  /** Stops every worker gracefully (SIGTERM) and resolves when all have exited. */
  stop(): Promise<void>;
  /** Resolves when the cluster has stopped on its own (workers kept failing to start), with the exit code. */
  readonly failed: Promise<number>;
}

/**
 * The primary: migrates once (workers starting together must not race each other through the migrations),
 * forks the workers, replaces one that crashes, and gives up when workers keep dying while starting (a
 * port taken, a database gone), so that a broken deploy fails loudly instead of restarting in a loop.
 */
export async function startCluster(settings: Settings, logger: Logger): Promise<RunningCluster> {
  const database = await openDatabase(settings.database);
  try {
    const applied = await migrateToLatest(database.knex, { kind: database.kind });
    if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
  } finally {
    await database.close();
  }

  let stopping = false;
  let consecutiveStartupFailures = 0;
  const startedAt = new Map<Worker, number>();
  let reportFailure: (code: number) => void = () => undefined;
  const failed = new Promise<number>((resolve) => {
    reportFailure = resolve;
  });

  const fork = () => {
    const worker = cluster.fork({ [clusterWorkerVariable]: '1' });
    startedAt.set(worker, Date.now());
    worker.once('listening', () => {
      consecutiveStartupFailures = 0;
    });
  };

  cluster.on('exit', (worker, code, signal) => {
    const started = startedAt.get(worker) ?? 0;
    startedAt.delete(worker);
    if (stopping) return;
    const duringStartup = Date.now() - started < startupWindowMs && !worker.isConnected();
    consecutiveStartupFailures = duringStartup ? consecutiveStartupFailures + 1 : 0;
    if (consecutiveStartupFailures >= maxStartupFailures) {
      logger.fatal(
        { pid: worker.process.pid, code, signal },
        `workers failed to start ${maxStartupFailures} times in a row: stopping`,
      );
      stopping = true;
      void stopWorkers().then(() => reportFailure(1));
      return;
    }
    logger.error({ pid: worker.process.pid, code, signal }, 'worker exited: starting a replacement');
    fork();
  });

  const stopWorkers = async () => {
    const workers = Object.values(cluster.workers ?? {}).filter((worker) => worker !== undefined);
    const exits = workers.map(
      (worker) => new Promise<void>((resolve) => worker.once('exit', () => resolve())),
    );
    for (const worker of workers) worker.process.kill('SIGTERM');
    const deadline = setTimeout(() => {
      for (const worker of workers) if (!worker.isDead()) worker.process.kill('SIGKILL');
    }, shutdownGraceMs);
    deadline.unref();
    await Promise.all(exits);
    clearTimeout(deadline);
  };

  for (let index = 0; index < settings.webConcurrency; index++) fork();
  logger.info({ workers: settings.webConcurrency, port: settings.port }, 'Vexil cluster started');

  return {
    failed,
    async stop() {
      stopping = true;
      await stopWorkers();
    },
  };
}
