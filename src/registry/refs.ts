import { existsSync, statSync } from 'node:fs';
import { invalid } from '../core/errors.ts';
import { checkName } from '../core/names.ts';

const checkModelName = (name: string): string => checkName('model name', name);

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
