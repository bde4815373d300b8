import { strict as assert } from 'node:assert';
import { createProcessDatabaseEnv, testDatabaseKind } from './support/test-database.js';
import { startVexil, type VexilProcess } from './support/vexil-process.js';

/** The server's log (pino writes it to stderr). */
function logOf(server: VexilProcess): string {
  return server.output().stderr;
}

/** The pids of the workers that have logged that they listen, in order. */
function listeningWorkers(server: VexilProcess): number[] {
  return logOf(server)
    .split('\n')
    .filter((line) => line.includes('Vexil listening'))
    .map((line) => (JSON.parse(line) as { pid: number }).pid);
}

async function until<T>(what: string, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const found = probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('WEB_CONCURRENCY on PostgreSQL', function () {
  this.timeout(120_000);

  before(function () {
    // The embedded database is one process by nature (start-up-warnings.test.ts covers what it says instead).
    if (testDatabaseKind !== 'postgres') this.skip();
  });

  it('runs that many workers on one port, replaces one that dies, and stops them all on SIGTERM', async () => {
    const server = await startVexil({ ...(await createProcessDatabaseEnv()), WEB_CONCURRENCY: '2' });
    try {
      const first = await until('two workers', () => {
        const pids = listeningWorkers(server);
        return pids.length >= 2 ? pids : undefined;
      });
      assert.equal(new Set(first).size, 2, 'two distinct worker processes');
      assert.match(logOf(server), /"workers":2.*Vexil cluster started/);
      for (let request = 0; request < 10; request++) {
        assert.equal((await fetch(`${server.baseUrl}/health/liveness/`)).status, 200);
      }

      const [victim, survivor] = first as [number, number];
      process.kill(victim, 'SIGKILL');
      const replacement = await until('a replacement worker', () => listeningWorkers(server)[2]);
      assert.ok(![victim, survivor].includes(replacement), 'a new process replaced the killed one');
      assert.match(logOf(server), /worker exited: starting a replacement/);
      assert.equal((await fetch(`${server.baseUrl}/health/readiness/`)).status, 200);

      assert.equal(await server.stop(), 0);
      for (const pid of [survivor, replacement]) assert.equal(alive(pid), false, `worker ${pid} has exited`);
    } finally {
      await server.stop();
    }
  });
});
