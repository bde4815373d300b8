import { runCli } from '../core/cli.js';
import { migrateToLatest } from './migrator.js';

/** `npm run migrate` and the Procfile's release phase. */
await runCli(async (ctx) => {
  // composeContext has already migrated; asking again confirms the database is at the latest version.
  const pending = await migrateToLatest(ctx.database.knex);
  process.stdout.write(
    pending.length === 0 ? 'Database is up to date.\n' : `Applied ${pending.join(', ')}\n`,
  );
});
