// npm run bench:lane — requests per second for one cached ~5.5 KB JSON body served through the dispatcher's lean
// lane (the full app composed behind it) and through a bare node:http server, in the same run, and the ratio
// (goal: at least 90%). Each server runs in its own process and autocannon in another, so that the load
// generator does not steal the server's core; rounds alternate between the two so that a busy machine
// affects both alike. BENCH_CONNECTIONS=, BENCH_SECONDS= and BENCH_ROUNDS= change the load.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { benchFlagsBody, benchPath } from './lane-body.js';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP_SECONDS = 2;

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const autocannonBin = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

const modes = ['bare', 'bare-edge-headers', 'lane'] as const;
type Mode = (typeof modes)[number];

async function startServer(mode: Mode): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/lane-server.ts', mode], {
    cwd: repoRoot,
    env: { ...process.env, LOG_LEVEL: 'ERROR' },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  let output = '';
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
    output += chunk.toString();
    if (output.includes('\n')) break;
  }
  const port = Number(output.trim());
  if (!Number.isInteger(port) || port <= 0)
    throw new Error(`${mode} server did not report a port: ${output}`);
  return { child, url: `http://127.0.0.1:${port}${benchPath}` };
}

async function serverCpuMicros(child: ChildProcess): Promise<number> {
  const reply = once(child, 'message') as Promise<[{ cpuMicros: number }]>;
  child.send('cpu');
  const [{ cpuMicros }] = await reply;
  return cpuMicros;
}

async function stopServer(child: ChildProcess): Promise<void> {
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

interface LoadResult {
  readonly requestsPerSecond: number;
  readonly requests: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly bytesPerResponse: number;
}

async function load(url: string, seconds: number): Promise<LoadResult> {
  const child = spawn(
    process.execPath,
    [autocannonBin, '--json', '-c', String(CONNECTIONS), '-d', String(seconds), url],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let json = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    json += chunk.toString();
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`autocannon exited with ${code}`);
  const result = JSON.parse(json) as {
    requests: { average: number; total: number };
    throughput: { total: number };
    non2xx: number;
    errors: number;
  };
  return {
    requestsPerSecond: result.requests.average,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    bytesPerResponse: result.requests.total > 0 ? result.throughput.total / result.requests.total : 0,
  };
}

interface Measurement extends LoadResult {
  readonly serverCpuMicrosPerRequest: number;
}

async function measure(mode: Mode): Promise<Measurement> {
  const { child, url } = await startServer(mode);
  try {
    await load(url, WARMUP_SECONDS);
    const cpuBefore = await serverCpuMicros(child);
    const loaded = await load(url, SECONDS);
    const result = {
      ...loaded,
      serverCpuMicrosPerRequest: ((await serverCpuMicros(child)) - cpuBefore) / loaded.requests,
    };
    if (result.non2xx > 0 || result.errors > 0) {
      throw new Error(`${mode}: ${result.non2xx} non-2xx answers and ${result.errors} errors`);
    }
    return result;
  } finally {
    await stopServer(child);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

const k = (value: number) => `${(value / 1000).toFixed(1)}k`;

const results: Record<Mode, Measurement[]> = { bare: [], 'bare-edge-headers': [], lane: [] };
console.log(
  `lane benchmark: one cached ${benchFlagsBody().length}-byte JSON body, ${CONNECTIONS} connections, ` +
    `${ROUNDS} rounds of ${SECONDS} s each (after ${WARMUP_SECONDS} s of warm-up)`,
);
for (let round = 1; round <= ROUNDS; round++) {
  // Alternating the order keeps a drift in the machine's load from favouring one of them.
  const order = round % 2 === 1 ? [...modes] : [...modes].reverse();
  for (const mode of order) {
    const result = await measure(mode);
    results[mode].push(result);
    console.log(
      `  round ${round} ${mode.padEnd(17)} ${k(result.requestsPerSecond)} req/s, ` +
        `${result.serverCpuMicrosPerRequest.toFixed(1)} µs server CPU per request, ` +
        `${Math.round(result.bytesPerResponse)} bytes per response`,
    );
  }
}

const rate = (mode: Mode) => median(results[mode].map((r) => r.requestsPerSecond));
const cpu = (mode: Mode) => median(results[mode].map((r) => r.serverCpuMicrosPerRequest));
// Each round's lane run against the same round's bare run: both saw the same machine.
const roundRatios = results.lane.map(
  (r, i) => r.requestsPerSecond / (results.bare[i] as Measurement).requestsPerSecond,
);
const percent = (ratio: number) => `${(ratio * 100).toFixed(1)}%`;
console.log('');
console.log(
  `bare node:http                       ${k(rate('bare'))} req/s  ${cpu('bare').toFixed(1)} µs CPU/request`,
);
console.log(
  `bare node:http, the lane's headers   ${k(rate('bare-edge-headers'))} req/s  ${cpu('bare-edge-headers').toFixed(1)} µs CPU/request`,
);
console.log(
  `dispatcher lean lane (full app)      ${k(rate('lane'))} req/s  ${cpu('lane').toFixed(1)} µs CPU/request`,
);
console.log(
  `lean lane / bare: ${percent(rate('lane') / rate('bare'))} of req/s (median of rounds: ` +
    `${percent(median(roundRatios))}; goal at least 90%), ${percent(cpu('bare') / cpu('lane'))} by server CPU per request`,
);
console.log(
  `lean lane / bare with the same headers: ${percent(rate('lane') / rate('bare-edge-headers'))} of req/s, ` +
    `${percent(cpu('bare-edge-headers') / cpu('lane'))} by server CPU per request`,
);
