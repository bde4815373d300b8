// Installs the clients of this folder (run by `npm test`'s pretest): they have their own lockfile because their
// versions clash with the root's. Skipped when the installed tree is already the locked one.
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const folder = dirname(fileURLToPath(import.meta.url));

function modified(file) {
  try {
    return statSync(join(folder, file)).mtimeMs;
  } catch {
    return undefined;
  }
}

const installed = modified('node_modules/.package-lock.json');
const locked = modified('package-lock.json');
if (installed === undefined || locked === undefined || installed < locked) {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  execFileSync(npm, ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: folder, stdio: 'inherit' });
}
