import { resolve } from 'node:path';

/** Where Capstan keeps its state: `CAPSTAN_HOME`, else `.capstan/` under the working directory. */
export function capstanHome(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  return resolve(cwd, env.CAPSTAN_HOME && env.CAPSTAN_HOME.length > 0 ? env.CAPSTAN_HOME : '.capstan');
}

/** The library version recorded in every bundle and run. */
export const CAPSTAN_VERSION = '0.1.0';
