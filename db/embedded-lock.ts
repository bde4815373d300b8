import { open, readFile, unlink } from 'node:fs/promises';

/**
 * The embedded database belongs to one process: PGlite keeps its buffers in the process, so a second process
 * on the same folder (a `npm run loaddata` beside a running server, a second server) would write over the
 * first one's pages, and the first one's in-memory answers (the SDK's kept identity reads) would go stale.
 * A lock file beside the folder, holding the owner's pid, refuses the second opener; a lock left by a process
 * that no longer runs is taken over.
 */
export async function lockEmbeddedDatabase(dataDir: string): Promise<() => Promise<void>> {
  if (dataDir.startsWith('memory://')) return async () => undefined;
  const lockPath = `${dataDir}.lock`;
  const mine = String(process.pid);
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(mine);
      await handle.close();
      return async () => {
        // Only our own lock: a process that took over a lock we had lost keeps its own.
        if ((await readFile(lockPath, 'utf8').catch(() => '')) === mine)
          await unlink(lockPath).catch(() => {});
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
    }
    const owner = Number.parseInt(await readFile(lockPath, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(owner) && owner > 0 && running(owner))
      throw new Error(
        `it is in use by process ${owner} (${lockPath}); the embedded database (DATA_DIR) serves one process ` +
          'at a time: stop that one first, or point DATABASE_URL at PostgreSQL',
      );
    // Left behind by a process that has ended (or unreadable): take it over.
    await unlink(lockPath).catch(() => {});
  }
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
