import { Command, CommanderError } from 'commander';
import { CAPSTAN_VERSION } from '../core/config.ts';
import { isCapstanError } from '../core/errors.ts';
import { automlCommand } from './commands/automl.ts';
import { dataCommand } from './commands/data.ts';
import { deployCommand } from './commands/deploy.ts';
import { modelsCommand } from './commands/models.ts';
import { predictCommand } from './commands/predict.ts';
import { runsCommand } from './commands/runs.ts';
import { tokensCommand } from './commands/tokens.ts';
import { quickstartCommand } from './commands/quickstart.ts';
import { serveCommand } from './commands/serve.ts';
import { serverCommand } from './commands/server.ts';
import { trainCommand } from './commands/train.ts';
import { workerCommand } from './commands/worker.ts';

function program(): Command {
  const p = new Command('capstan')
    .description('Capstan: data -> model -> served, monitored model, in one tool')
    .version(CAPSTAN_VERSION)
    .exitOverride()
    .showHelpAfterError('(run capstan --help for usage)')
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const add of [quickstartCommand, trainCommand, automlCommand, predictCommand, serveCommand, serverCommand, runsCommand, modelsCommand, tokensCommand, dataCommand, workerCommand, deployCommand]) add(p);
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
    await program().parseAsync(argv);
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
