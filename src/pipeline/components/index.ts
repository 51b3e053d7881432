import { invalid } from '../../core/errors.ts';
import { automl } from './automl.ts';
import { deploy } from './deploy.ts';
import type { Component } from './component.ts';
import { noop } from './control.ts';
import { load, profile, split, validate } from './data.ts';
import { bestModel, evaluateModel, predict, register, setAlias, train } from './model.ts';

export * from './component.ts';

/** The built-in components by name. */
export const COMPONENTS: ReadonlyMap<string, Component> = new Map(([load, profile, split, validate, train, automl, evaluateModel, predict, register, setAlias, deploy, bestModel, noop] as unknown as Component[]).map((c) => [c.name, c]));

export function getComponent(name: string): Component {
  const c = COMPONENTS.get(name);
  if (!c) throw invalid(`component "${name}" is not one of ${[...COMPONENTS.keys()].join(', ')}`);
  return c;
}

export { load, profile, split, validate, train, automl, evaluateModel, predict, register, setAlias, deploy, bestModel, noop };
