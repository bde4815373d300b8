// The server half of `npm run bench:lane`, run in its own process so that it does not share a core with the load
// generator. `bare`: node:http and nothing else, the ceiling. `bare-edge-headers`: node:http writing the very
// headers the lean lane sends (helmet's, never-cache), to tell what the dispatcher costs from what the headers
// cost. `lane`: the production request handler (dispatcher, edge, the whole Express app behind it on an embedded
// database) with one lean route serving the same cached body.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadSettings } from '../config/settings.js';
import { buildRequestHandler } from '../core/app.js';
import { createHttpEdge, neverCacheHeaders } from '../core/http/http-edge.js';
import { CachedJson } from '../core/http/lean-route.js';
import { serve } from '../core/server.js';
import { createTestApp } from '../test/support/test-app.js';
import { benchFlagsBody, benchPath } from './lane-body.js';

const mode = process.argv[2];
const body = Buffer.from(benchFlagsBody());

async function listenBare(headers: string[]): Promise<{ server: Server; stop: () => Promise<void> }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, headers);
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function start(): Promise<{ server: Server; stop: () => Promise<void> }> {
  const contentHeaders = ['Content-Type', 'application/json', 'Content-Length', String(body.length)];
  if (mode === 'bare') return listenBare(contentHeaders);
  if (mode === 'bare-edge-headers') {
    const edge = createHttpEdge(loadSettings({ ENV: 'test', DJANGO_SECRET_KEY: 'bench' }));
    const headers = Object.entries({ ...edge.securityHeaders(benchPath), ...neverCacheHeaders }).flat();
    contentHeaders[1] = 'application/json; charset=utf-8';
    return listenBare([...headers, ...contentHeaders]);
  }
  if (mode === 'lane') {
    const t = await createTestApp();
    const cached = CachedJson.fromSerialised(body);
    const handler = buildRequestHandler(t.ctx, {
      lanes: [{ path: benchPath, handlers: { GET: (exchange) => exchange.sendCached(cached) } }],
    });
    return serve(handler, t.ctx, 0);
  }
  throw new Error(`usage: lane-server.ts bare|bare-edge-headers|lane (got ${mode})`);
}

const running = await start();
process.stdout.write(`${(running.server.address() as AddressInfo).port}\n`);
// The parent asks for this process's CPU time around a load run: CPU per request is what the server itself
// spends, which a busy machine disturbs far less than requests per second.
process.on('message', (message) => {
  if (message === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send?.({ cpuMicros: user + system });
  }
});
process.once('SIGTERM', () => {
  void running.stop().then(() => process.exit(0));
});
