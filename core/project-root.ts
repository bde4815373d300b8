import path from 'node:path';
import { fileURLToPath } from 'node:url';

const coreDir = path.dirname(fileURLToPath(import.meta.url));

/**
 * The repository root, whether this module runs from TypeScript sources (`core/`) or compiled (`dist/core/`):
 * files that are not compiled (`public/`, `db/fixtures/`) are always found from here.
 */
export const projectRoot =
  path.basename(path.dirname(coreDir)) === 'dist'
    ? path.resolve(coreDir, '../..')
    : path.resolve(coreDir, '..');
