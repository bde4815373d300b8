import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import express from 'express';
import { createTestApp, type TestApp } from '../test/support/test-app.js';
import { buildRequestHandler } from './app.js';
import type { LeanRoute } from './http/lean-route.js';
import { type RunningServer, serve } from './server.js';

function portOf(running: RunningServer): number {
  const address = running.server.address();
  assert.ok(address && typeof address === 'object');
  return address.port;
}

/** A gate a request handler waits at, and a promise that says it got there. */
function gate() {
  let arrive: () => void = () => undefined;
  let release: () => void = () => undefined;
  const arrived = new Promise<void>((resolve) => {
    arrive = resolve;
  });
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { arrived, arrive, released, release };
}

describe('graceful shutdown', () => {
  it('finishes in-flight requests on both lanes, refuses new connections, then closes the database', async () => {
    const t = await createTestApp();
    const lean = gate();
    const slowLane: LeanRoute = {
      path: '/api/v1/slow-lean/',
      handlers: {
        GET: async (exchange) => {
          lean.arrive();
          await lean.released;
          exchange.sendJson(200, { finished: 'lean' });
        },
      },
    };
    const onExpress = gate();
    const outer = express();
    outer.get('/slow-express', async (_req, res) => {
      onExpress.arrive();
      await onExpress.released;
      res.json({ finished: 'express' });
    });
    outer.use(t.app);
    // The production handler, with the Express lane wrapped so that one of its requests can be held open.
    const dispatcher = buildRequestHandler(t.ctx, { lanes: [slowLane] });
    const running = await serve(
      (req, res) => (req.url === '/slow-express' ? outer(req, res) : dispatcher(req, res)),
      t.ctx,
      0,
    );
    const base = `http://127.0.0.1:${portOf(running)}`;

    const slowLean = fetch(`${base}/api/v1/slow-lean/`).then((r) => r.json());
    const slowExpress = fetch(`${base}/slow-express`).then((r) => r.json());
    await Promise.all([lean.arrived, onExpress.arrived]);
    const stopped = running.stop();
    await new Promise((resolve) => setTimeout(resolve, 50));

    await assert.rejects(fetch(`${base}/health/liveness/`), 'new connections are refused once stopping');
    lean.release();
    onExpress.release();
    assert.deepEqual(await slowLean, { finished: 'lean' });
    assert.deepEqual(await slowExpress, { finished: 'express' });
    await stopped;
    await assert.rejects(t.ctx.database.knex.raw('select 1'), 'the pool is closed after the last request');
  });
});

/** Collects what the server sends until it closes the connection. */
function received(socket: Socket): Promise<string> {
  let text = '';
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  return once(socket, 'close').then(() => text);
}

/** Writes `chunks` one every 100 ms; resolves with how many were written before the server hung up. */
async function dribble(socket: Socket, chunks: string[]): Promise<number> {
  let written = 0;
  for (const chunk of chunks) {
    if (socket.destroyed || socket.writableEnded || socket.closed) break;
    socket.write(chunk);
    written++;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return written;
}

describe('server timeouts', () => {
  let t: TestApp;
  let running: RunningServer;
  let port: number;
  before(async () => {
    t = await createTestApp({
      HTTP_HEADERS_TIMEOUT_SECONDS: '1',
      HTTP_REQUEST_TIMEOUT_SECONDS: '2',
      HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: '1',
    });
    running = await serve(buildRequestHandler(t.ctx), t.ctx, 0);
    port = portOf(running);
  });
  after(() => running.stop());

  // 100 chunks at 100 ms would take 10 s: the server must hang up long before the last one.
  const slowly = (text: string) => [...text.padEnd(100, ' ')];

  it('HTTP_REQUEST_TIMEOUT_SECONDS cuts off a client that sends its body slowly, with 408', async () => {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    const answer = received(socket);
    socket.write(
      'POST /api/v1/auth/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n',
    );
    const written = await dribble(socket, slowly('{"email": "a@b.c", "password": "x"}'));
    assert.ok(written < 100, `the whole body was accepted (${written} chunks)`);
    assert.match(await answer, /^HTTP\/1\.1 408 /);
  });

  it('HTTP_HEADERS_TIMEOUT_SECONDS cuts off a client that sends its headers slowly', async () => {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    const answer = received(socket);
    const written = await dribble(
      socket,
      slowly('GET /health/liveness/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: '),
    );
    assert.ok(written < 100, `the headers were still being read after ${written} chunks`);
    assert.match(await answer, /^HTTP\/1\.1 408 /);
  });

  it('HTTP_KEEP_ALIVE_TIMEOUT_SECONDS closes an idle keep-alive connection', async () => {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    const answer = received(socket);
    socket.write('GET /health/liveness/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const closedByServer = await Promise.race([
      answer.then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), 10_000)),
    ]);
    socket.destroy();
    assert.equal(closedByServer, true, 'the idle connection was still open after 10 s');
    const text = await answer;
    assert.match(text, /^HTTP\/1\.1 200 /);
    assert.match(text, /Keep-Alive: timeout=1/);
  });
});
