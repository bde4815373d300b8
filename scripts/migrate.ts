import { loadSettings } from '../config/settings.js';
import { runTask } from '../core/cli.js';
import { openDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrator.js';

/** `npm run migrate` and the Procfile's release phase: apply pending migrations and say which. */
await runTask(async () => {
  const settings = loadSettings(process.env);
  const database = await openDatabase(settings.database);
  try {
    const applied = await migrateToLatest(database.knex, { kind: database.kind });
    process.stdout.write(
      applied.length === 0 ? 'Database is up to date.\n' : `Applied ${applied.join(', ')}\n`,
    );
  } finally {
    await database.close();
  }
});
