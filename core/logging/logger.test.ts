import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { childEnv, repoRoot } from '../../test/support/vexil-process.js';

/** Logs one line from a fresh process, so that the logger sees that process's own stderr. */
function logFromChild(options: string, wrapInTerminal = false): string {
  const program = `import { createLogger } from './core/logging/logger.ts';
const logger = createLogger('info'${options ? `, ${options}` : ''});
logger.info({ port: 8000 }, 'Vexil listening on http://localhost:8000');`;
  const node = [process.execPath, '--import', 'tsx', '--input-type=module', '-e', program];
  // util-linux `script` runs the command on a pseudo-terminal, which is what an operator's shell gives it.
  const [command, ...args] = wrapInTerminal
    ? ['script', '-qec', node.map((part) => `'${part.replace(/'/g, `'\\''`)}'`).join(' '), '/dev/null']
    : node;
  const result = spawnSync(command as string, args, { cwd: repoRoot, env: childEnv({}), encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return wrapInTerminal ? result.stdout : result.stderr;
}

describe('the application log', function () {
  this.timeout(60_000);

  it('is one JSON object per line when stderr is not a terminal', () => {
    const lines = logFromChild('').trim().split('\n');
    assert.equal(lines.length, 1);
    const line = JSON.parse(lines[0] as string) as Record<string, unknown>;
    assert.equal(line.msg, 'Vexil listening on http://localhost:8000');
    assert.equal(line.app, 'vexil');
    assert.equal(line.port, 8000);
  });

  it('is readable lines when asked for (at a terminal)', () => {
    const text = logFromChild('{ pretty: true }');
    assert.throws(() => JSON.parse(text.trim().split('\n')[0] as string));
    assert.match(text, /INFO.*Vexil listening on http:\/\/localhost:8000/);
    assert.match(text, /port: 8000/);
  });

  it('is readable lines by default when stderr is a terminal', function () {
    if (!existsSync('/usr/bin/script')) this.skip();
    const text = logFromChild('', true);
    assert.doesNotMatch(text, /"msg"/);
    assert.match(text, /INFO.*Vexil listening on http:\/\/localhost:8000/);
  });
});
