// npm run bench:sdk — the SDK endpoints of a real Vexil server (core/server.ts in its own process, the embedded
// database in a fresh folder, or BENCH_DATABASE_URL's PostgreSQL database) seeded through the HTTP API with 200
// features (40 of them multivariate) and 20 segments, measured with autocannon for BENCH_SECONDS (10) at
// BENCH_CONNECTIONS (50) after a warm-up: GET /flags/, GET /flags/ with a matching If-None-Match (304), the
// environment document, and — in the same run — a bare node:http server replaying the exact /flags/ bytes as the
// ceiling. autocannon runs in this process, the servers in theirs; on a 2-core machine the load generator and
// the server share the cores, so absolute figures are the machine's, and the ratio to the ceiling is the one to
// compare between runs.
//
// Identities: 10,000 identities with 5 traits each are seeded through the API (PUT /api/v1/traits/bulk/, 500
// traits a request), then GET /api/v1/identities/?identifier=<a random seeded one> and POST /api/v1/identities/
// with that identity's 5 traits unchanged (no write) are measured. `--scale` (npm run bench:sdk -- --scale):
// 10,000 features and 1,000,000 identities, the identities and their traits seeded by SQL (generate_series) with
// the server stopped, since the embedded database belongs to one process.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSettings } from '../config/settings.js';
import { openDatabase } from '../db/database.js';
import { childEnv, freePort } from '../test/support/vexil-process.js';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
/** BENCH_ONLY=<text>: only the rows whose name contains it (and the ceiling), e.g. for a profile of one path. */
const ONLY = process.env.BENCH_ONLY;
const SCALE = process.argv.includes('--scale');
const FEATURES = SCALE ? 10_000 : 200;
const MULTIVARIATE = 40;
const SEGMENTS = 20;
const IDENTITIES = SCALE ? 1_000_000 : 10_000;
/** Concurrent seeding requests (features at --scale). */
const SEED_CONCURRENCY = 4;

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const require = createRequire(import.meta.url);
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  throughput: { total: number };
  non2xx: number;
  errors: number;
  '2xx': number;
  statusCodeStats?: Record<string, { count: number }>;
}
const autocannon = require('autocannon') as Autocannon;

interface Server {
  readonly child: ChildProcess;
  readonly base: string;
}

async function startVexilServer(env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  // BENCH_SERVER_NODE_ARGS, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`, profiles the server alone.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'core/server.ts'], {
    cwd: repoRoot,
    env: childEnv({ PORT: String(port), LOG_LEVEL: 'ERROR', ...env }),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  // A first start on the embedded database creates it (initdb): allow for it.
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error('vexil exited during start-up');
    try {
      if ((await fetch(`${base}/health/liveness/`)).ok) return { child, base };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('vexil did not start');
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function startCeiling(bodyFile: string): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/sdk-ceiling-server.ts', bodyFile], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
    output += chunk.toString();
    if (output.includes('\n')) break;
  }
  return { child, base: `http://127.0.0.1:${Number(output.trim())}` };
}

async function stop(server: Server): Promise<void> {
  const exited = once(server.child, 'exit');
  server.child.kill('SIGTERM');
  await exited;
}

/** The server's resident memory, from /proc (Linux). */
async function rssMegabytes(child: ChildProcess): Promise<number> {
  const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

async function api(base: string, method: string, route: string, token: string | undefined, body?: unknown) {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Token ${token}`;
  const response = await fetch(`${base}${route}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${text}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

/** An environment of the size, created through the HTTP API as an operator would. */
async function seedProject(base: string) {
  const user = await api(base, 'POST', '/api/v1/auth/users/', undefined, {
    email: 'bench@example.com',
    password: 'bench password 1',
    first_name: 'Bench',
    last_name: 'Mark',
  });
  const token = user.key as string;
  const organisation = await api(base, 'POST', '/api/v1/organisations/', token, { name: 'Bench' });
  const project = await api(base, 'POST', '/api/v1/projects/', token, {
    name: 'Bench',
    organisation: organisation.id,
  });
  const environment = await api(base, 'POST', '/api/v1/environments/', token, {
    name: 'Production',
    project: project.id,
  });
  const serverKey = await api(base, 'POST', `/api/v1/environments/${environment.api_key}/api-keys/`, token, {
    name: 'bench',
  });
  return {
    token,
    projectId: project.id as number,
    clientKey: environment.api_key as string,
    serverKey: serverKey.key as string,
    environmentId: environment.id as number,
  };
}

async function seedFeaturesAndSegments(base: string, token: string, project: { id: number }) {
  const createFeature = async (i: number) => {
    const initial = i % 3 === 0 ? String(i) : i % 3 === 1 ? `value-${i}` : '';
    const feature = await api(base, 'POST', `/api/v1/projects/${project.id}/features/`, token, {
      name: `feature_${String(i).padStart(3, '0')}`,
      initial_value: initial,
      default_enabled: i % 2 === 0,
      description: `Benchmark feature ${i}`,
    });
    if (i < MULTIVARIATE) {
      for (const [index, share] of [30, 30].entries())
        await api(base, 'POST', `/api/v1/projects/${project.id}/features/${feature.id}/mv-options/`, token, {
          type: 'unicode',
          string_value: `variant-${i}-${index}`,
          default_percentage_allocation: share,
        });
    }
  };
  let next = 0;
  await Promise.all(
    Array.from({ length: SEED_CONCURRENCY }, async () => {
      while (next < FEATURES) await createFeature(next++);
    }),
  );
  const operators = ['EQUAL', 'GREATER_THAN', 'CONTAINS', 'IN', 'REGEX', 'PERCENTAGE_SPLIT'] as const;
  for (let s = 0; s < SEGMENTS; s++) {
    const conditions = Array.from({ length: 1 + (s % 3) }, (_, c) => {
      const operator = operators[(s + c) % operators.length] as string;
      if (operator === 'PERCENTAGE_SPLIT') return { operator, property: null, value: String(10 + s) };
      const value =
        operator === 'GREATER_THAN'
          ? String(s * 3)
          : operator === 'IN'
            ? 'a,b,c'
            : operator === 'REGEX'
              ? '^u.*'
              : `v${s}`;
      return { operator, property: `trait_${c}`, value };
    });
    await api(base, 'POST', `/api/v1/projects/${project.id}/segments/`, token, {
      name: `segment_${s}`,
      project: project.id,
      rules: [{ type: 'ALL', rules: [{ type: 'ANY', rules: [], conditions }], conditions: [] }],
    });
  }
}

/** The 5 traits of seeded identity `i` (trait_0..2 are the ones the segments test). */
function traitsOf(i: number): { trait_key: string; trait_value: string | number | boolean }[] {
  return [
    { trait_key: 'trait_0', trait_value: `v${i % 20}` },
    { trait_key: 'trait_1', trait_value: i % 100 },
    { trait_key: 'trait_2', trait_value: i % 2 === 0 },
    { trait_key: 'trait_3', trait_value: (i % 10) + 0.5 },
    { trait_key: 'trait_4', trait_value: `u${i}` },
  ];
}

/** Identities user_0… with traitsOf(i), through PUT /api/v1/traits/bulk/ (100 identities a request). */
async function seedIdentitiesThroughApi(base: string, serverKey: string) {
  const perRequest = 100;
  let next = 0;
  await Promise.all(
    Array.from({ length: SEED_CONCURRENCY }, async () => {
      while (next < IDENTITIES) {
        const first = next;
        next += perRequest;
        const items = [];
        for (let i = first; i < Math.min(first + perRequest, IDENTITIES); i++)
          for (const trait of traitsOf(i)) items.push({ identity: { identifier: `user_${i}` }, ...trait });
        const response = await fetch(`${base}/api/v1/traits/bulk/`, {
          method: 'PUT',
          headers: { 'Content-Type': 'application/json', 'X-Environment-Key': serverKey },
          body: JSON.stringify(items),
        });
        if (!response.ok) throw new Error(`bulk traits: ${response.status} ${await response.text()}`);
      }
    }),
  );
}

/** The project's feature limit raised to FEATURES by SQL (the server must be stopped: the embedded database is its). */
async function raiseFeatureLimit(env: Record<string, string>, projectId: number) {
  const settings = loadSettings({ ...process.env, ...env } as Record<string, string>, repoRoot);
  const database = await openDatabase(settings.database);
  try {
    await database.knex('projects').where({ id: projectId }).update({ max_features_allowed: FEATURES });
  } finally {
    await database.close();
  }
}

/** The same identities and traits by SQL, in a few set-based statements (the server must be stopped). */
async function seedIdentitiesBySql(env: Record<string, string>, environmentId: number) {
  const settings = loadSettings({ ...process.env, ...env } as Record<string, string>, repoRoot);
  const database = await openDatabase(settings.database);
  try {
    const { knex } = database;
    await knex.raw(
      `insert into identities (environment_id, identifier)
       select ?, 'user_' || g from generate_series(0, ? - 1) g`,
      [environmentId, IDENTITIES],
    );
    const index = `substr(i.identifier, 6)::int`;
    const columns: [string, string, string][] = [
      ['trait_0', 'string_value', `'v' || (${index} % 20)`],
      ['trait_1', 'integer_value', `${index} % 100`],
      ['trait_2', 'boolean_value', `${index} % 2 = 0`],
      ['trait_3', 'float_value', `(${index} % 10) + 0.5`],
      ['trait_4', 'string_value', `'u' || ${index}`],
    ];
    const types: Record<string, string> = {
      string_value: 'unicode',
      integer_value: 'int',
      boolean_value: 'bool',
      float_value: 'float',
    };
    for (const [key, column, expression] of columns)
      await knex.raw(
        `insert into traits (identity_id, trait_key, value_type, ${column})
         select i.id, ?, ?, ${expression} from identities i where i.environment_id = ?`,
        [key, types[column] as string, environmentId],
      );
    await knex.raw('analyze identities');
    await knex.raw('analyze traits');
  } finally {
    await database.close();
  }
}

let counter = 0;
/** A deterministic spread of seeded identities (a fixed-step walk, so every run asks for the same ones). */
const pickIdentity = () => (counter = (counter + 7919) % IDENTITIES);

interface Row {
  readonly name: string;
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly bytes: number;
  readonly rssMegabytes: number;
}

async function measure(
  name: string,
  server: Server,
  route: string,
  headers: Record<string, string>,
  expectStatus: number,
  requests?: Record<string, unknown>[],
  connections = CONNECTIONS,
): Promise<Row | undefined> {
  // The ceiling always runs: every ratio is to it.
  if (ONLY && !name.includes(ONLY) && !name.includes('(ceiling)')) return undefined;
  const options = {
    url: `${server.base}${route}`,
    connections,
    headers,
    ...(requests ? { requests } : {}),
  };
  await autocannon({ ...options, duration: WARMUP_SECONDS });
  const result = await autocannon({ ...options, duration: SECONDS });
  const answered = result.statusCodeStats?.[String(expectStatus)]?.count ?? 0;
  if (result.errors > 0 || answered !== result.requests.total)
    throw new Error(
      `${name}: ${result.errors} errors, ${answered} of ${result.requests.total} answered ${expectStatus}`,
    );
  return {
    name,
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    bytes: result.requests.total > 0 ? result.throughput.total / result.requests.total : 0,
    rssMegabytes: await rssMegabytes(server.child),
  };
}

const dataDir = await mkdtemp(path.join(tmpdir(), 'vexil-sdk-bench-'));
const database = process.env.BENCH_DATABASE_URL
  ? { DATABASE_URL: process.env.BENCH_DATABASE_URL }
  : { DATA_DIR: dataDir };
const serverEnv = {
  ...database,
  DJANGO_SECRET_KEY: 'sdk-bench',
  ENV: 'prod',
  DJANGO_ALLOWED_HOSTS: '*',
  // BENCH_WEB_CONCURRENCY=2 (PostgreSQL): the server as a cluster of workers; RSS is then the primary's alone.
  ...(process.env.BENCH_WEB_CONCURRENCY ? { WEB_CONCURRENCY: process.env.BENCH_WEB_CONCURRENCY } : {}),
};
let vexil = await startVexilServer(serverEnv);
let ceiling: Server | undefined;
try {
  console.log(
    `seeding ${FEATURES} features (${MULTIVARIATE} multivariate) and ${SEGMENTS} segments through the API…`,
  );
  let started = Date.now();
  const { token, projectId, clientKey, serverKey, environmentId } = await seedProject(vexil.base);
  if (SCALE) {
    // A project holds at most max_features_allowed (1,000) features; Flagsmith raises it in Django's admin.
    await stop(vexil);
    await raiseFeatureLimit(serverEnv, projectId);
    vexil = await startVexilServer(serverEnv);
  }
  await seedFeaturesAndSegments(vexil.base, token, { id: projectId });
  console.log(`  ${((Date.now() - started) / 1000).toFixed(0)} s`);
  started = Date.now();
  if (SCALE) {
    console.log(`seeding ${IDENTITIES.toLocaleString('en-US')} identities with 5 traits each by SQL…`);
    await stop(vexil);
    await seedIdentitiesBySql(serverEnv, environmentId);
    vexil = await startVexilServer(serverEnv);
  } else {
    console.log(
      `seeding ${IDENTITIES.toLocaleString('en-US')} identities with 5 traits each through the API…`,
    );
    await seedIdentitiesThroughApi(vexil.base, serverKey);
  }
  console.log(`  ${((Date.now() - started) / 1000).toFixed(0)} s`);
  const flags = await fetch(`${vexil.base}/api/v1/flags/`, { headers: { 'X-Environment-Key': clientKey } });
  const flagsBody = Buffer.from(await flags.arrayBuffer());
  const etag = flags.headers.get('etag') as string;
  const bodyFile = path.join(dataDir, 'flags.json');
  await writeFile(bodyFile, flagsBody);
  ceiling = await startCeiling(bodyFile);
  console.log(
    `measuring ${SECONDS} s per row at ${CONNECTIONS} connections after ${WARMUP_SECONDS} s of warm-up ` +
      `(/flags/ body: ${flagsBody.length} bytes)`,
  );
  const measured = [
    await measure('bare node:http, same /flags/ bytes (ceiling)', ceiling, '/api/v1/flags/', {}, 200),
    await measure('GET /api/v1/flags/', vexil, '/api/v1/flags/', { 'X-Environment-Key': clientKey }, 200),
    await measure(
      'GET /api/v1/flags/ with If-None-Match (304)',
      vexil,
      '/api/v1/flags/',
      { 'X-Environment-Key': clientKey, 'If-None-Match': etag },
      304,
    ),
    await measure(
      'GET /api/v1/environment-document/',
      vexil,
      '/api/v1/environment-document/',
      { 'X-Environment-Key': serverKey },
      200,
    ),
    await measure(
      'GET /api/v1/identities/?identifier=<random>',
      vexil,
      '/api/v1/identities/',
      { 'X-Environment-Key': clientKey },
      200,
      [
        {
          method: 'GET',
          setupRequest: (request: Record<string, unknown>) => ({
            ...request,
            path: `/api/v1/identities/?identifier=user_${pickIdentity()}`,
          }),
        },
      ],
    ),
    await measure(
      'GET /api/v1/identities/?identifier=<random>, 1 connection',
      vexil,
      '/api/v1/identities/',
      { 'X-Environment-Key': clientKey },
      200,
      [
        {
          method: 'GET',
          setupRequest: (request: Record<string, unknown>) => ({
            ...request,
            path: `/api/v1/identities/?identifier=user_${pickIdentity()}`,
          }),
        },
      ],
      1,
    ),
    await measure(
      'POST /api/v1/identities/ (5 unchanged traits)',
      vexil,
      '/api/v1/identities/',
      { 'X-Environment-Key': clientKey, 'Content-Type': 'application/json' },
      200,
      [
        {
          method: 'POST',
          setupRequest: (request: Record<string, unknown>) => {
            const i = pickIdentity();
            return { ...request, body: JSON.stringify({ identifier: `user_${i}`, traits: traitsOf(i) }) };
          },
        },
      ],
    ),
    await measure(
      'POST /api/v1/identities/ (5 unchanged traits), 1 connection',
      vexil,
      '/api/v1/identities/',
      { 'X-Environment-Key': clientKey, 'Content-Type': 'application/json' },
      200,
      [
        {
          method: 'POST',
          setupRequest: (request: Record<string, unknown>) => {
            const i = pickIdentity();
            return { ...request, body: JSON.stringify({ identifier: `user_${i}`, traits: traitsOf(i) }) };
          },
        },
      ],
      1,
    ),
  ];
  const rows = measured.filter((row): row is Row => row !== undefined);
  const ceilingRate = (rows[0] as Row).requestsPerSecond;
  const header = ['what', 'req/s', 'p50 ms', 'p99 ms', 'bytes', 'RSS MB', 'of ceiling'];
  const lines = rows.map((row) => [
    row.name,
    Math.round(row.requestsPerSecond).toLocaleString('en-US'),
    String(row.p50),
    String(row.p99),
    String(Math.round(row.bytes)),
    row.rssMegabytes.toFixed(0),
    `${((row.requestsPerSecond / ceilingRate) * 100).toFixed(0)}%`,
  ]);
  const widths = header.map((title, i) =>
    Math.max(title.length, ...lines.map((line) => (line[i] as string).length)),
  );
  const print = (cells: string[]) =>
    console.log(
      cells
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number)))
        .join('  '),
    );
  console.log('');
  print(header);
  for (const line of lines) print(line);
  console.log('\nbytes: per response, headers included; RSS: the server process after the row.');
} finally {
  if (ceiling) await stop(ceiling);
  await stop(vexil);
  await rm(dataDir, { recursive: true, force: true });
}
