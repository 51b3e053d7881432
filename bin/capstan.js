#!/usr/bin/env node
// The package ships TypeScript sources. `npm run build` (run by npm install and npm ci) compiles them to dist/, which starts
// ~0.3 s faster; it runs only while it is newer than every source file (see fresh.js), else the sources run through tsx.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtIsFresh } from './fresh.js';

let main;
if (builtIsFresh(join(dirname(fileURLToPath(import.meta.url)), '..'))) ({ main } = await import('../dist/cli/main.js'));
else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv);
