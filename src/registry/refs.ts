import { existsSync, statSync } from 'node:fs';
import { invalid } from '../core/errors.ts';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function checkModelName(name: string): string {
  if (!NAME.test(name) || name.includes('..')) throw invalid(`model name "${name.slice(0, 80)}" must be 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit`);
  return name;
}

export type ModelRef = { kind: 'dir'; path: string } | { kind: 'latest'; name: string } | { kind: 'alias'; name: string; alias: string } | { kind: 'version'; name: string; version: number };

/** Parse NAME, NAME@alias, NAME:version, or a path to a bundle directory. */
export function parseModelRef(ref: string): ModelRef {
  if ((ref.includes('/') || ref.startsWith('.')) && existsSync(ref) && statSync(ref).isDirectory()) return { kind: 'dir', path: ref };
  const at = ref.indexOf('@');
  if (at > 0) return { kind: 'alias', name: checkModelName(ref.slice(0, at)), alias: ref.slice(at + 1) };
  const colon = ref.lastIndexOf(':');
  if (colon > 0) {
    const v = Number(ref.slice(colon + 1));
    if (!Number.isInteger(v) || v < 1) throw invalid(`model version in "${ref}" must be a positive integer`);
    return { kind: 'version', name: checkModelName(ref.slice(0, colon)), version: v };
  }
  if (ref.includes('/')) throw invalid(`no model bundle directory at ${ref}`);
  return { kind: 'latest', name: checkModelName(ref) };
}
