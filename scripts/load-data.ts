import { stdout } from 'node:process';
import { runCli } from '../core/cli.js';
import { loadFixture, resolveFixturePath } from '../db/fixture-loader.js';

const names = process.argv.slice(2);

await runCli(async (ctx) => {
  if (names.length === 0)
    throw new Error('usage: npm run loaddata -- <fixture> [more fixtures] (e.g. init_data)');
  for (const name of names) {
    const file = resolveFixturePath(name);
    const report = await loadFixture(ctx.transactor, file);
    const counts = Object.entries(report.written).map(([table, count]) => `${count} ${table}`);
    stdout.write(`Loaded ${file}: ${counts.join(', ') || 'nothing'}\n`);
    for (const [model, fields] of Object.entries(report.ignoredFields)) {
      stdout.write(`  ignored fields of ${model} that Vexil does not store: ${fields.join(', ')}\n`);
    }
  }
});
