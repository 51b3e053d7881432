import type { Command } from 'commander';
import { allPages } from '../../store/index.ts';
import { stores } from '../common.ts';

export function modelsCommand(program: Command): void {
  const models = program.command('models').description('the model registry');
  models
    .command('list')
    .description('registered models with their latest version and aliases')
    .option('--json', 'print one JSON document')
    .action(async (o: { json?: boolean }) => {
      const s = await stores();
      try {
        const list = await allPages((cursor) => s.metadata.models.listModels({ cursor, limit: 1000 }));
        if (o.json) {
          process.stdout.write(JSON.stringify({ models: list }, null, 2) + '\n');
          return;
        }
        if (list.length === 0) {
          process.stdout.write('no registered models (train one with: capstan train FILE --target COL --register NAME)\n');
          return;
        }
        process.stdout.write(`${'NAME'.padEnd(24)} ${'LATEST'.padStart(6)}  ALIASES\n`);
        for (const m of list) {
          const aliases = Object.entries(m.aliases).map(([a, v]) => `${a}=${v}`).join(', ');
          process.stdout.write(`${m.name.padEnd(24)} ${String(m.latestVersion).padStart(6)}  ${aliases}\n`);
        }
      } finally {
        await s.metadata.close();
      }
    });
}
