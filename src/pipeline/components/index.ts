import { invalid } from '../../core/errors.ts';
import type { Component } from './component.ts';
import { noop } from './control.ts';
import { load, split, validate } from './data.ts';
import { bestModel, evaluateModel, predict, register, setAlias, train } from './model.ts';

export * from './component.ts';

/** The built-in components by name. */
export const COMPONENTS: ReadonlyMap<string, Component> = new Map(([load, split, validate, train, evaluateModel, predict, register, setAlias, bestModel, noop] as unknown as Component[]).map((c) => [c.name, c]));

export function getComponent(name: string): Component {
  const c = COMPONENTS.get(name);
  if (!c) throw invalid(`component "${name}" is not one of ${[...COMPONENTS.keys()].join(', ')}`);
  return c;
}

export { load, split, validate, train, evaluateModel, predict, register, setAlias, bestModel, noop };
