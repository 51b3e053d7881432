#!/usr/bin/env node
// The package ships TypeScript sources; tsx compiles them on load (cached), so no build step stands between clone and run.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
