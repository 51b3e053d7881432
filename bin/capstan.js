#!/usr/bin/env node
// An installed package has no sources: it runs the compiled JavaScript in dist/, nothing else. In a checkout, `npm run build`
// (run by npm install and npm ci) compiles src/ to dist/, which runs only while it is newer than every source file (see
// fresh.js); else the sources run through tsx, a development dependency.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtIsFresh } from './fresh.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
let main;
if (!existsSync(join(root, 'src')) || builtIsFresh(root)) ({ main } = await import('../dist/cli/main.js'));
else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv);
