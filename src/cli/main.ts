import { Command, CommanderError } from 'commander';
import { CAPSTAN_VERSION } from '../core/config.ts';
import { isCapstanError } from '../core/errors.ts';
type AddCommand = (program: Command) => void;

/**
 * Each command's module, loaded only when that command runs: loading all of them (stores, DuckDB, the server, the learners)
 * through tsx took ~1.6 s on this machine, more than `data profile` of a large file spends working. Help and unknown commands
 * load every one. Order is the order of `capstan --help`.
 */
const COMMANDS: Record<string, () => Promise<AddCommand>> = {
  quickstart: async () => (await import('./commands/quickstart.ts')).quickstartCommand,
  train: async () => (await import('./commands/train.ts')).trainCommand,
  pipeline: async () => (await import('./commands/pipeline.ts')).pipelineCommand,
  automl: async () => (await import('./commands/automl.ts')).automlCommand,
  predict: async () => (await import('./commands/predict.ts')).predictCommand,
  serve: async () => (await import('./commands/serve.ts')).serveCommand,
  server: async () => (await import('./commands/server.ts')).serverCommand,
  runs: async () => (await import('./commands/runs.ts')).runsCommand,
  models: async () => (await import('./commands/models.ts')).modelsCommand,
  tokens: async () => (await import('./commands/tokens.ts')).tokensCommand,
  predictions: async () => (await import('./commands/predictions.ts')).predictionsCommand,
  monitor: async () => (await import('./commands/monitor.ts')).monitorCommand,
  actuals: async () => (await import('./commands/actuals.ts')).actualsCommand,
  replay: async () => (await import('./commands/replay.ts')).replayCommand,
  lineage: async () => (await import('./commands/lineage.ts')).lineageCommand,
  policy: async () => (await import('./commands/policy.ts')).policyCommand,
  alerts: async () => (await import('./commands/policy.ts')).alertsCommand,
  data: async () => (await import('./commands/data.ts')).dataCommand,
  worker: async () => (await import('./commands/worker.ts')).workerCommand,
  deploy: async () => (await import('./commands/deploy.ts')).deployCommand,
};

/** The command named on the command line (the first argument that is not an option), if it is one of ours. */
function commandOf(argv: string[]): string | undefined {
  const first = argv.slice(2).find((a) => !a.startsWith('-'));
  return first !== undefined && Object.hasOwn(COMMANDS, first) ? first : undefined;
}

async function program(argv: string[]): Promise<Command> {
  const p = new Command('capstan')
    .description('Capstan: data -> model -> served, monitored model, in one tool')
    .version(CAPSTAN_VERSION)
    .exitOverride()
    .showHelpAfterError('(run capstan --help for usage)')
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  const named = commandOf(argv);
  const version = argv.includes('-V') || argv.includes('--version');
  for (const load of named ? [COMMANDS[named]] : version ? [] : Object.values(COMMANDS)) (await load())(p);
  const exitOverride = (c: Command) => {
    c.exitOverride();
    c.commands.forEach(exitOverride);
  };
  p.commands.forEach(exitOverride);
  return p;
}

/**
 * Run the CLI and return the exit code: 0 success, 1 user error (one line on stderr), 2 usage error. Long-running commands
 * (serve, server, quickstart, worker) resolve when they stop serving.
 */
export async function main(argv: string[]): Promise<number> {
  // `capstan data profile big.csv | head`: a reader that stops early is not an error
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
  });
  try {
    await (await program(argv)).parseAsync(argv);
    // a command that printed its report but found errors (data validate) sets the exit code itself
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2;
    }
    if (isCapstanError(e)) {
      process.stderr.write(`capstan: ${e.message}\n`);
      return e.code === 'USAGE' ? 2 : 1;
    }
    process.stderr.write(`capstan: internal error: ${(e as Error)?.message ?? String(e)}${process.env.CAPSTAN_DEBUG ? `\n${(e as Error)?.stack}` : ' (set CAPSTAN_DEBUG=1 for details)'}\n`);
    return 1;
  }
}
