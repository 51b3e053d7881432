import { component } from './component.ts';

/** Passes its value on: the step of the per-step overhead benchmark, and a way to name a value. */
export const noop = component({
  name: 'capstan/noop',
  version: '1',
  description: 'pass a value on unchanged',
  inputs: { value: { type: 'json', description: 'anything', default: null } },
  outputs: { value: { type: 'json', description: 'the same value' } },
  async run(i) {
    return { value: i.value };
  },
});
