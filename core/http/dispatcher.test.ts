import { strict as assert } from 'node:assert';
import { mkdtemp, readFile } from 'node:fs/promises';
import type { RequestListener } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { pino } from 'pino';
import request from 'supertest';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { buildRequestHandler } from '../app.js';
import type { AppContext } from '../app-context.js';
import { permissions } from '../auth/permission.js';
import { createHttpEdge } from './http-edge.js';
import { httpErrors } from './http-error.js';
import { CachedJson, type LeanRoute, negotiateCoding } from './lean-route.js';
import { route } from './routes.js';

// About the size of a small environment's flags: above compression's 1 KB threshold.
const document = Array.from({ length: 40 }, (_, i) => ({
  id: i,
  feature: { id: i, name: `feature_${i}`, type: 'STANDARD' },
  enabled: i % 2 === 0,
  feature_state_value: i % 3 === 0 ? `value ${i}` : null,
}));
const cached = CachedJson.of(document);

const twinPath = '/api/v1/twin/';

/** The lean version: a cached body, a thrown HttpError, an unexpected error. */
const leanTwin: LeanRoute = {
  path: twinPath,
  handlers: {
    GET: (exchange) => {
      const outcome = exchange.query.get('outcome');
      if (outcome === 'missing') throw httpErrors.notFound();
      if (outcome === 'crash') throw new Error('a secret stack frame');
      exchange.sendCached(cached);
    },
    POST: async () => {
      throw new Error('rejected asynchronously');
    },
  },
};

const echoPath = '/api/v1/twin-echo/';

/** Reads a JSON body, as POST /api/v1/identities/ will. */
const leanEcho: LeanRoute = {
  path: echoPath,
  handlers: { POST: async (exchange) => exchange.sendJson(200, { received: await exchange.readJson() }) },
};

/** The same route on the Express lane, the way a slice writes one. */
function expressTwin() {
  const router = express.Router();
  const body = JSON.parse(cached.body.toString()) as unknown;
  const anyone = permissions.allowAny;
  route(router, '/twin/', {
    get: {
      permission: anyone,
      handle: (req, res, next) => {
        if (req.query.outcome === 'missing') return next(httpErrors.notFound());
        if (req.query.outcome === 'crash') throw new Error('a secret stack frame');
        res.json(body);
      },
    },
    post: {
      permission: anyone,
      handle: async () => {
        throw new Error('rejected asynchronously');
      },
    },
  });
  route(router, '/twin-echo/', {
    post: { permission: anyone, handle: (req, res) => void res.json({ received: req.body }) },
  });
  return router;
}

const withExpressTwin = {
  beforeBuild: (ctx: AppContext) => ctx.routes.mount('twin', 'api', '/', expressTwin()),
};

// Per-response, not per-lane: the date, and Express's ETag (the lean lane sends none; Flagsmith sends none).
const incomparable = new Set(['date', 'etag']);

function comparable(headers: Record<string, string>, drop: readonly string[] = []) {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !incomparable.has(name) && !drop.includes(name)),
  );
}

interface Lanes {
  readonly lean: RequestListener;
  readonly express: RequestListener;
  readonly leanLog: string;
  readonly expressLog: string;
}

/**
 * Two servers on one context: one answers the twin path on its lean lane, the other through Express. With an
 * access log the lean lane sets headers one by one (so that the log lists them); without, it writes them in one
 * writeHead(): both ways are compared.
 */
async function lanesFor(t: TestApp, logged = true): Promise<Lanes> {
  const folder = await mkdtemp(path.join(tmpdir(), 'vexil-lanes-'));
  const withLog = (file: string): AppContext => ({
    ...t.ctx,
    settings: { ...t.ctx.settings, accessLogLocation: logged ? path.join(folder, file) : undefined },
  });
  return {
    lean: buildRequestHandler(withLog('lean.log'), { lanes: [leanTwin, leanEcho] }),
    // The Express twin sits on the shared route table: on the lean handler its lane answers first.
    express: buildRequestHandler(withLog('express.log')),
    leanLog: path.join(folder, 'lean.log'),
    expressLog: path.join(folder, 'express.log'),
  };
}

async function logLines(file: string, expected: number): Promise<Record<string, unknown>[]> {
  // The access log is written asynchronously, off the request path.
  let lines: Record<string, unknown>[] = [];
  for (let attempt = 0; attempt < 50 && lines.length < expected; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const text = await readFile(file, 'utf8').catch(() => '');
    lines = text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }
  return lines;
}

/** An access-log line without what differs from one request to the next (time, port, duration). */
function logShape(line: Record<string, unknown>) {
  const { time: _time, responseTime: _responseTime, ...rest } = line;
  const req = { ...(rest.req as Record<string, unknown>) };
  const res = { ...(rest.res as Record<string, unknown>) };
  delete req.remotePort;
  req.headers = { ...(req.headers as Record<string, unknown>), host: 'normalised' };
  res.headers = comparable(res.headers as Record<string, string>);
  return { ...rest, req, res };
}

type Exchange = (client: ReturnType<typeof request>) => ReturnType<ReturnType<typeof request>['get']>;

const exchanges: [string, Exchange][] = [
  ['a cached body', (client) => client.get(`${twinPath}?probe=1&probe=2`)],
  ['a HEAD request', (client) => client.head(twinPath)],
  ['an HttpError thrown by the handler', (client) => client.get(`${twinPath}?outcome=missing`)],
  ['an unexpected error', (client) => client.get(`${twinPath}?outcome=crash`)],
  ['an asynchronous rejection', (client) => client.post(twinPath)],
  ['an unsupported method', (client) => client.put(twinPath)],
  ['OPTIONS', (client) => client.options(twinPath)],
  ['a JSON body', (client) => client.post(echoPath).send({ identifier: 'a', traits: [{ trait_key: 'k' }] })],
  [
    'a vendor JSON type',
    (client) => client.post(echoPath).set('Content-Type', 'application/vnd.api+json').send('{}'),
  ],
  ['no body', (client) => client.post(echoPath)],
  [
    'malformed JSON',
    (client) => client.post(echoPath).set('Content-Type', 'application/json').send('{"identifier": '),
  ],
  [
    'a JSON string, which strict parsing refuses',
    (client) => client.post(echoPath).set('Content-Type', 'application/json').send('"a"'),
  ],
  [
    'a body that is not JSON',
    (client) => client.post(echoPath).set('Content-Type', 'text/plain').send('hello'),
  ],
  ['an oversized body', (client) => client.post(echoPath).send({ padding: 'x'.repeat(1024 * 1024) })],
  ['a refused host', (client) => client.get(twinPath).set('Host', 'evil.example')],
  ['a cross-origin request', (client) => client.get(twinPath).set('Origin', 'https://app.example')],
  [
    'a CORS preflight',
    (client) =>
      client
        .options(twinPath)
        .set('Origin', 'https://app.example')
        .set('Access-Control-Request-Method', 'GET')
        .set('Access-Control-Request-Headers', 'x-environment-key'),
  ],
  ['OPTIONS with an Origin', (client) => client.options(twinPath).set('Origin', 'https://app.example')],
  [
    'a Host that is not a host',
    (client) => client.get(twinPath).set('Host', 'allowed.example, evil.example'),
  ],
];

/** What each exchange must get, so that the two lanes cannot agree on a wrong answer. */
const expectedStatus: Record<string, number> = {
  'a cached body': 200,
  'a HEAD request': 200,
  'an HttpError thrown by the handler': 404,
  'an unexpected error': 500,
  'an asynchronous rejection': 500,
  'an unsupported method': 405,
  OPTIONS: 200,
  'a JSON body': 200,
  'a vendor JSON type': 200,
  'no body': 200,
  'malformed JSON': 400,
  'a JSON string, which strict parsing refuses': 400,
  'a body that is not JSON': 415,
  'an oversized body': 413,
  'a refused host': 400,
  'a cross-origin request': 200,
  'a CORS preflight': 200,
  'OPTIONS with an Origin': 200,
  'a Host that is not a host': 400,
};

describe('the lean lane and the Express lane agree', () => {
  let t: TestApp;
  let lanes: Lanes;
  let unlogged: Lanes;
  before(async () => {
    t = await createTestApp({ DJANGO_ALLOWED_HOSTS: 'allowed.example,127.0.0.1' }, withExpressTwin);
    lanes = await lanesFor(t);
    unlogged = await lanesFor(t, false);
  });
  after(() => t.close());

  for (const [what, send] of exchanges) {
    it(`on ${what}: status, headers and body, without an access log`, async () => {
      const lean = await send(request(unlogged.lean));
      const viaExpress = await send(request(unlogged.express));
      assert.equal(lean.status, expectedStatus[what]);
      assert.equal(lean.status, viaExpress.status);
      assert.deepEqual(comparable(lean.headers), comparable(viaExpress.headers));
      assert.equal(lean.text, viaExpress.text);
    });

    it(`on ${what}: status, headers and body, with an access log`, async () => {
      const lean = await send(request(lanes.lean));
      const viaExpress = await send(request(lanes.express));
      assert.equal(lean.status, viaExpress.status);
      assert.deepEqual(comparable(lean.headers), comparable(viaExpress.headers));
      assert.deepEqual(lean.body, viaExpress.body);
      assert.equal(lean.text, viaExpress.text);
      if (lean.status >= 500) assert.deepEqual(lean.body, { detail: 'A server error occurred.' });
    });
  }

  it("sends Flagsmith's security headers on API answers, on both lanes, and helmet's on pages", async () => {
    const lean = await request(lanes.lean).get(twinPath);
    const viaExpress = await request(lanes.express).get(twinPath);
    for (const response of [lean, viaExpress]) {
      assert.equal(response.headers['x-content-type-options'], 'nosniff');
      assert.equal(response.headers['x-frame-options'], 'DENY');
      assert.equal(response.headers['referrer-policy'], 'same-origin');
      assert.equal(response.headers['cross-origin-opener-policy'], 'same-origin');
      assert.equal(response.headers['content-security-policy'], undefined, 'JSON needs no page policy');
      assert.equal(response.headers['x-powered-by'], undefined);
      assert.equal(
        response.headers['cache-control'],
        'max-age=0, no-cache, no-store, must-revalidate, private',
      );
      assert.equal(response.headers.pragma, 'no-cache');
      assert.equal(response.headers['content-type'], 'application/json; charset=utf-8');
    }
    assert.deepEqual(lean.body, document);

    const page = await request(lanes.express).get('/health/liveness/');
    const pageHeaders = Object.keys(createHttpEdge(t.settings).securityHeaders('/health/liveness/'));
    assert.ok(pageHeaders.includes('Content-Security-Policy'));
    assert.ok(pageHeaders.includes('Strict-Transport-Security'));
    for (const name of pageHeaders) assert.ok(page.headers[name.toLowerCase()], name);
    const initPage = await request(lanes.express).get('/api/v1/users/config/init/');
    assert.match(initPage.headers['content-type'] ?? '', /^text\/html/);
    assert.match(
      initPage.headers['content-security-policy'] ?? '',
      /default-src 'self'/,
      'an HTML page under /api/v1 keeps its CSP',
    );
    assert.equal(initPage.headers['x-frame-options'], 'SAMEORIGIN');
  });

  it('writes access-log lines of the same shape', async () => {
    // Fresh lanes, so that both logs hold exactly these requests, in this order.
    const fresh = await lanesFor(t);
    for (const [, send] of exchanges) {
      await send(request(fresh.lean));
      await send(request(fresh.express));
    }
    const leanLines = await logLines(fresh.leanLog, exchanges.length);
    const expressLines = await logLines(fresh.expressLog, exchanges.length);
    assert.equal(leanLines.length, exchanges.length);
    assert.equal(expressLines.length, exchanges.length);
    leanLines.forEach((line, index) => {
      assert.deepEqual(
        logShape(line),
        logShape(expressLines[index] as Record<string, unknown>),
        `line ${index}`,
      );
    });
    assert.deepEqual((leanLines[0]?.req as { query?: unknown } | undefined)?.query, { probe: ['1', '2'] });
  });
});

describe('the lean lane with ENABLE_GZIP_COMPRESSION', () => {
  let t: TestApp;
  let lanes: Lanes;
  before(async () => {
    t = await createTestApp({ ENABLE_GZIP_COMPRESSION: 'true' }, withExpressTwin);
    lanes = await lanesFor(t, false);
  });
  after(() => t.close());

  for (const acceptEncoding of ['gzip', 'gzip, deflate, br', 'br;q=0.5, gzip', 'identity', '']) {
    it(`compresses as the Express lane does for Accept-Encoding: ${acceptEncoding || '(none)'}`, async () => {
      const lean = await request(lanes.lean).get(twinPath).set('Accept-Encoding', acceptEncoding);
      const viaExpress = await request(lanes.express).get(twinPath).set('Accept-Encoding', acceptEncoding);
      assert.equal(lean.headers['content-encoding'], viaExpress.headers['content-encoding']);
      assert.equal(lean.headers.vary, viaExpress.headers.vary);
      assert.deepEqual(lean.body, document, 'supertest decodes the body');
      // compression() streams (chunked); a cached body knows its compressed length.
      const streamed = ['content-length', 'transfer-encoding'];
      assert.deepEqual(comparable(lean.headers, streamed), comparable(viaExpress.headers, streamed));
    });
  }

  it('leaves small bodies uncompressed, as compression() does below 1 KB', async () => {
    const lean = await request(lanes.lean).put(twinPath).set('Accept-Encoding', 'gzip');
    const viaExpress = await request(lanes.express).put(twinPath).set('Accept-Encoding', 'gzip');
    assert.equal(lean.headers['content-encoding'], undefined);
    assert.deepEqual(comparable(lean.headers), comparable(viaExpress.headers));
  });
});

describe('negotiateCoding', () => {
  it('picks what compression() picks', () => {
    assert.equal(negotiateCoding(undefined), undefined);
    assert.equal(negotiateCoding('gzip'), 'gzip');
    assert.equal(negotiateCoding('gzip, br'), 'br');
    assert.equal(negotiateCoding('br;q=0.1, gzip;q=0.9'), 'gzip');
    assert.equal(negotiateCoding('gzip;q=0, br;q=0'), undefined);
    assert.equal(negotiateCoding('*'), 'br');
    assert.equal(negotiateCoding('deflate, identity'), undefined);
  });
});

describe('createDispatcher', () => {
  it('refuses a lean path registered twice or carrying a query', async () => {
    const t = await createTestApp();
    try {
      assert.throws(() => buildRequestHandler(t.ctx, { lanes: [leanTwin, leanTwin] }), /registered twice/);
      assert.throws(
        () => buildRequestHandler(t.ctx, { lanes: [{ path: '/api/v1/x/?a=1', handlers: {} }] }),
        /bare pathname/,
      );
    } finally {
      await t.close();
    }
  });

  it('answers 500 for an asynchronous handler that settles without answering, and logs it', async () => {
    const t = await createTestApp();
    const logged: string[] = [];
    const ctx = {
      ...t.ctx,
      logger: pino({ level: 'error' }, { write: (line: string) => logged.push(line) }),
    };
    try {
      const handler = buildRequestHandler(ctx, {
        lanes: [{ path: '/api/v1/forgetful/', handlers: { GET: async () => undefined } }],
      });
      const response = await request(handler).get('/api/v1/forgetful/');
      assert.equal(response.status, 500);
      assert.deepEqual(response.body, { detail: 'A server error occurred.' });
      assert.match(logged.join(''), /settled without answering/);
    } finally {
      await t.close();
    }
  });

  it('hands every other path, and the twin path without its slash, to Express', async () => {
    const t = await createTestApp();
    try {
      const handler = buildRequestHandler(t.ctx, { lanes: [leanTwin] });
      assert.equal((await request(handler).get('/api/v1/twin')).status, 404);
      assert.deepEqual((await request(handler).get('/health/liveness/')).body, { status: 'ok' });
    } finally {
      await t.close();
    }
  });
});
