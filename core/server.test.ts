import { strict as assert } from 'node:assert';
import express from 'express';
import { createTestApp } from '../test/support/test-app.js';
import { serve } from './server.js';

describe('graceful shutdown', () => {
  it('finishes in-flight requests, refuses new connections, then closes the database', async () => {
    const t = await createTestApp();
    let release: () => void = () => undefined;
    const started = new Promise<void>((resolve) => {
      const outer = express();
      // A request that is still being handled when the shutdown begins.
      outer.get('/slow', async (_req, res) => {
        resolve();
        await new Promise<void>((done) => {
          release = done;
        });
        res.json({ finished: true });
      });
      outer.use(t.app);
      void serve(outer, t.ctx, 0).then((running) => {
        server = running;
      });
    });
    let server: Awaited<ReturnType<typeof serve>> | undefined;
    const waitForServer = async () => {
      while (!server) await new Promise((resolve) => setTimeout(resolve, 10));
      return server;
    };
    const running = await waitForServer();
    const address = running.server.address();
    assert.ok(address && typeof address === 'object');
    const base = `http://127.0.0.1:${address.port}`;

    const slow = fetch(`${base}/slow`).then((r) => r.json());
    await started;
    const stopped = running.stop();
    await new Promise((resolve) => setTimeout(resolve, 50));

    await assert.rejects(fetch(`${base}/health/liveness/`), 'new connections are refused once stopping');
    release();
    assert.deepEqual(await slow, { finished: true });
    await stopped;
    await assert.rejects(t.ctx.database.knex.raw('select 1'), 'the pool is closed after the last request');
  });
});
