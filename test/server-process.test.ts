import { strict as assert } from 'node:assert';
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runEntry, startVexil } from './support/vexil-process.js';

async function json(response: Response) {
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('the server process', function () {
  // Each test starts real processes, and a first start creates a database (initdb): allow for a busy machine.
  this.timeout(120_000);

  for (const [variable, value] of [
    ['AXES_FAILURE_LIMIT', 'abc'],
    ['DATABASE_URL', 'nonsense'],
    ['LOG_LEVEL', 'LOUD'],
    ['ENABLE_GZIP_COMPRESSION', 'sometimes'],
    ['HTTP_REQUEST_TIMEOUT_SECONDS', '0'],
  ] as const) {
    it(`refuses to start with ${variable}=${value}, naming the variable in one line`, async () => {
      const result = await runEntry('core/server.ts', [], {
        [variable]: value,
        DATA_DIR: '/nonexistent/never-created',
      });
      assert.equal(result.code, 1);
      const lines = result.stderr.trim().split('\n');
      assert.equal(lines.length, 1, result.stderr);
      assert.match(lines[0] ?? '', new RegExp(`^VEXIL_CONFIG_INVALID: ${variable}=`));
    });
  }

  it('refuses to start when ACCESS_LOG_LOCATION cannot be written', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'vexil-log-'));
    // A regular file where the log's folder should be: no one, root included, can create the log there.
    const notADirectory = path.join(dataDir, 'plain-file');
    await writeFile(notADirectory, '');
    const result = await runEntry('core/server.ts', [], {
      ACCESS_LOG_LOCATION: path.join(notADirectory, 'access.log'),
      DATA_DIR: dataDir,
    });
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /^VEXIL_CONFIG_INVALID: ACCESS_LOG_LOCATION=".*plain-file\/access.log" is not valid/m,
    );
  });

  it('refuses to start in production without a secret key', async () => {
    const result = await runEntry('core/server.ts', [], {
      ENV: 'prod',
      DATA_DIR: '/nonexistent/never-created',
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /VEXIL_CONFIG_MISSING: DJANGO_SECRET_KEY/);
  });

  it('names DATABASE_URL when PostgreSQL cannot be reached', async () => {
    const result = await runEntry('core/server.ts', [], {
      DATABASE_URL: 'postgres://vexil@127.0.0.1:1/vexil',
    });
    assert.equal(result.code, 1);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.match(
      result.stderr,
      /^VEXIL_DATABASE_UNAVAILABLE: cannot open the PostgreSQL database: .*ECONNREFUSED/,
    );
  });

  it('names PORT when the port is taken', async () => {
    const blocker = createServer().listen(0, '0.0.0.0');
    await once(blocker, 'listening');
    const port = (blocker.address() as AddressInfo).port;
    try {
      const dataDir = await mkdtemp(path.join(tmpdir(), 'vexil-port-'));
      const result = await runEntry('core/server.ts', [], { PORT: String(port), DATA_DIR: dataDir });
      assert.equal(result.code, 1);
      assert.match(result.stderr, new RegExp(`VEXIL_LISTEN_FAILED: PORT ${port} is already in use`));
    } finally {
      blocker.close();
    }
  });

  it('keeps data and its generated secret key across a restart on the embedded database', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'vexil-restart-'));
    const first = await startVexil({ DATA_DIR: dataDir });
    try {
      const init = await json(
        await fetch(`${first.baseUrl}/api/v1/users/config/init/`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Origin: first.baseUrl },
          body: JSON.stringify({
            username: 'admin',
            email: 'admin@example.com',
            password: 'a long password',
            site_name: 'Vexil',
            site_domain: 'localhost',
          }),
        }),
      );
      assert.equal(init.status, 201);
    } finally {
      assert.equal(await first.stop(), 0, 'SIGTERM ends the process cleanly');
    }
    // Not a terminal: the application log stays JSON, one object per line, and the start-up line says where to go.
    const logLines = first
      .output()
      .stderr.trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { msg?: string; port?: number });
    const listening = logLines.find((line) => line.msg?.startsWith('Vexil listening'));
    assert.equal(listening?.msg, `Vexil listening on http://localhost:${new URL(first.baseUrl).port}`);
    assert.match(first.output().stderr, /DJANGO_SECRET_KEY is not set: generated one/);
    assert.ok(
      logLines.some((line) => line.msg?.startsWith('DJANGO_ALLOWED_HOSTS is *: any Host header is accepted')),
      'the default DJANGO_ALLOWED_HOSTS is warned about at start-up',
    );
    assert.match(
      first.output().stderr,
      /No superuser yet: open http:\/\/localhost:\d+\/api\/v1\/users\/config\/init\//,
    );

    const second = await startVexil({ DATA_DIR: dataDir });
    try {
      const login = await json(
        await fetch(`${second.baseUrl}/api/v1/auth/login/`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ email: 'admin@example.com', password: 'a long password' }),
        }),
      );
      assert.equal(login.status, 200);
      const me = await json(
        await fetch(`${second.baseUrl}/api/v1/auth/users/me/`, {
          headers: { Authorization: `Token ${login.body.key}` },
        }),
      );
      assert.equal(me.status, 200);
      assert.equal(me.body.is_superuser, true);
      const page = await fetch(`${second.baseUrl}/api/v1/users/config/init/`);
      assert.match(await page.text(), /already initialised/);
    } finally {
      assert.equal(await second.stop(), 0);
    }
    assert.doesNotMatch(second.output().stderr, /generated one/, 'the key from the first start is reused');
    assert.doesNotMatch(second.output().stderr, /No superuser yet/);
  });
});
