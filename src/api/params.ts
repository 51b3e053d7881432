import type { TString } from '@sinclair/typebox';
import { Type } from './typebox.ts';
import { invalid } from '../core/errors.ts';
import { checkAlias, checkId, checkKey, checkName, checkPath } from '../core/names.ts';

/**
 * Every path parameter, by the name routes give it: the schema the OpenAPI document shows and the check the server runs on the
 * decoded value before a handler sees it (the checks decode repeatedly and refuse what the schemas' patterns cannot say, such
 * as `..`). A route naming a parameter that is not here is refused when it is declared.
 */
export interface PathParam {
  schema: TString;
  check: (field: string, value: string) => string;
}

const NAME_TEXT = 'letters, digits, space, ".", "_" or "-", starting with a letter or digit, without "..", at most 256 characters';
const name: PathParam = { schema: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9 ._-]{0,255}$', description: NAME_TEXT }), check: checkName };
const id: PathParam = { schema: Type.String({ pattern: '^[0-9a-f]{8,64}$', description: '8 to 64 lower-case hex characters' }), check: checkId };

export const PATH_PARAMS: Readonly<Record<string, PathParam>> = {
  name,
  tokenName: name,
  alias: { schema: Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_-]{0,63}$', description: 'a letter, then letters, digits, "_" or "-" (64 at most)' }), check: checkAlias },
  runId: id,
  experimentId: id,
  alertId: id,
  // ours are hex ids; other servers may log with their own request ids
  predictionId: {
    schema: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: '1 to 64 letters, digits, "_" or "-"' }),
    check: (field, v) => {
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(v)) throw invalid(`${field} must be 1 to 64 letters, digits, "_" or "-"`);
      return v;
    },
  },
  key: { schema: Type.String({ pattern: '^[A-Za-z0-9_.\\- /:]{1,250}$', description: '1-250 letters, digits, "_", "-", ".", "/", ":" or spaces, without ".." or "." segments' }), check: checkKey },
  version: {
    schema: Type.String({ pattern: '^[1-9][0-9]{0,8}$', description: 'a positive integer' }),
    check: (field, v) => {
      if (!/^[1-9][0-9]{0,8}$/.test(v)) throw invalid(`${field} must be a positive integer`);
      return v;
    },
  },
  step: {
    schema: Type.String({ pattern: '^[a-z][a-z0-9-]{0,62}$', description: 'a step name: a lower-case letter, then lower-case letters, digits and "-"' }),
    check: (field, v) => {
      if (!/^[a-z][a-z0-9-]{0,62}$/.test(v)) throw invalid(`${field} must be a step name: a lower-case letter, then lower-case letters, digits and "-"`);
      return v;
    },
  },
  // the rest of the URL: an artifact's path inside its run
  path: { schema: Type.String({ description: 'a relative path (segments without "..")' }), check: checkPath },
};

/** The parameters a path pattern names: `/a/:name/b/*path` gives `'name' | 'path'`. */
export type PathParams<P extends string> = P extends `${string}:${infer N}/${infer Rest}`
  ? N | PathParams<`/${Rest}`>
  : P extends `${string}:${infer N}`
    ? N
    : P extends `${string}*${infer N}`
      ? N
      : never;

/** The parameter names of a pattern, in order, each known above (throws on one that is not). */
export function patternParams(pattern: string): string[] {
  const names = pattern
    .split('/')
    .filter((s) => s.startsWith(':') || s.startsWith('*'))
    .map((s) => s.slice(1));
  for (const n of names) if (!PATH_PARAMS[n]) throw new Error(`route ${pattern}: parameter "${n}" has no validation rule`);
  return names;
}
