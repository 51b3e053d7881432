import type { Command } from 'commander';
import { AUTOML_TASKS, formatScore, METRICS, runAutoml, type AutomlRequest } from '../../automl/index.ts';
import { invalid } from '../../core/errors.ts';
import { LEARNERS } from '../../learn/index.ts';
import { localActor, parseIntOption, stores } from '../common.ts';
import { printJson } from '../output.ts';

interface AutomlOptions {
  target?: string;
  task: string;
  metric?: string;
  budget: string;
  cv: string;
  seed: string;
  trials?: string;
  learners?: string;
  onnxOnly?: boolean;
  register?: string;
  redis?: string;
  queue: string;
  json?: boolean;
  verbose?: boolean;
}

export function automlCommand(program: Command): void {
  program
    .command('automl')
    .description('search learners and hyperparameters within a time budget; a tracked leaderboard, the winner refit on all rows')
    .argument('<file>', 'CSV, Parquet or JSON lines file')
    .option('--target <col>', 'the column to predict (with --task clustering: a column to leave out)')
    .option('--task <task>', `one of ${AUTOML_TASKS.join(', ')}`, 'auto')
    .option('--metric <name>', `what to optimise (${Object.keys(METRICS).join(', ')}); default roc_auc / accuracy / r2`)
    .option('--budget <seconds>', 'wall-clock budget for the whole command', '60')
    .option('--cv <k>', 'cross-validation folds (the same folds for every candidate)', '5')
    .option('--seed <n>', 'random seed', '0')
    .option('--trials <n>', 'stop after this many candidates instead of by time (the leaderboard then depends on the seed alone)')
    .option('--learners <list>', `comma-separated subset of ${Object.keys(LEARNERS).filter((l) => l !== 'kmeans').join(',')}`)
    .option('--onnx-only', 'search only learners whose models export to ONNX (capstan deploy --target onnx), ensembles of them included')
    .option('--register <name>', 'register the winner (with its preprocessing) under this name')
    .option('--redis <url>', 'fan candidates out to capstan worker processes listening on this Redis (redis://HOST:6379)')
    .option('--queue <name>', 'the workers\' queue (with --redis)', 'capstan')
    .option('--json', 'print one JSON document and nothing else')
    .option('--verbose', 'a line for every candidate, pruned ones included')
    .action(async (file: string, o: AutomlOptions) => {
      const learners = o.learners?.split(',').map((s) => s.trim());
      for (const l of learners ?? []) if (!LEARNERS[l] || l === 'kmeans') throw invalid(`--learners: unknown learner "${l}" (known: ${Object.keys(LEARNERS).join(', ')})`);
      const request: AutomlRequest = {
        ...(o.target !== undefined ? { target: o.target } : {}),
        task: o.task as AutomlRequest['task'],
        ...(o.metric !== undefined ? { metric: o.metric } : {}),
        budget: parseIntOption('--budget', o.budget, 1, 7 * 24 * 3600),
        cv: parseIntOption('--cv', o.cv, 2, 20),
        seed: parseIntOption('--seed', o.seed, 0, 2 ** 31 - 1),
        ...(o.trials !== undefined ? { trials: parseIntOption('--trials', o.trials, 1, 100_000) } : {}),
        ...(learners ? { learners } : {}),
        ...(o.onnxOnly ? { onnxOnly: true } : {}),
        ...(o.register !== undefined ? { register: o.register } : {}),
        ...(o.redis !== undefined ? { redis: o.redis } : {}),
        queue: o.queue,
      };
      const say = (line: string) => {
        if (!o.json) process.stdout.write(line + '\n');
      };
      // on a terminal, one live status line (elapsed, remaining, candidates tried and pruned, the best so far); elsewhere
      // plain lines: each complete or failed candidate (pruned ones with --verbose)
      const tty = !o.json && process.stdout.isTTY;
      let status = false;
      let pruned = 0;
      const clearStatus = () => {
        if (status) process.stdout.write('\r\x1b[2K');
        status = false;
      };
      const s = await stores();
      try {
        const report = await runAutoml(file, request, {
          stores: s,
          actor: localActor(),
          say: (line) => {
            clearStatus();
            say(line);
          },
          onCandidate: (c, state, elapsed) => {
            if (o.json) return;
            if (c.status === 'pruned') pruned++;
            if (o.verbose || c.status !== 'pruned') {
              clearStatus();
              say(`  ${String(c.id).padStart(3)} ${c.learner.padEnd(7)} ${c.status.padEnd(8)} ${formatScore(c.cvMean)} +- ${formatScore(c.cvStd)} (${c.foldScores.length} folds, ${c.fitSeconds.toFixed(2)} s)${c.note && c.status !== 'complete' ? `  ${c.note}` : ''}`);
            }
            if (!tty) return;
            const best = state.best ? `best ${formatScore(state.best.cvMean)} (${state.best.learner})` : 'no complete candidate yet';
            const line = `  ${elapsed.toFixed(0)} s elapsed, ${Math.max(0, request.budget - elapsed).toFixed(0)} s left | ${state.tried} candidates, ${pruned} pruned | ${best}`;
            process.stdout.write(`\r\x1b[2K${line.slice(0, (process.stdout.columns || 100) - 1)}`);
            status = true;
          },
        });
        clearStatus();
        if (o.json) printJson(report);
      } finally {
        await s.metadata.close();
      }
    });
}
