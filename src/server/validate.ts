import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { TObject, TSchema } from '@sinclair/typebox';
import { invalid } from '../core/errors.ts';
import type { Contract } from '../api/index.ts';

type Check = (query: URLSearchParams, body: unknown) => { q: unknown; body: unknown };
type JsonSchema = {
  type?: string;
  description?: string;
  const?: unknown;
  anyOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  properties?: Record<string, JsonSchema>;
};

/**
 * Request validation at the edge, from the routes' declarations (ajv, JSON Schema 2020-12). Each route's validators are
 * compiled on its first request, so a server starts without compiling routes it may never serve. Query values arrive as
 * strings and are converted to the declared types (`?limit=5` is 5, a repeated field an array).
 */
export class Validators {
  private readonly bodies = new Ajv2020({ strict: false, verbose: true, allErrors: false });
  private readonly queries = new Ajv2020({ strict: false, verbose: true, allErrors: false, coerceTypes: 'array' });

  forRoute(c: Contract): Check {
    let query: ValidateFunction | null = null;
    let body: ValidateFunction | null = null;
    const queryProps = c.query ? (c.query as TObject).properties : null;
    return (raw, given) => {
      const q: Record<string, unknown> = {};
      if (c.query && queryProps) {
        for (const [k, s] of Object.entries(queryProps)) {
          const all = raw.getAll(k);
          if (all.length > 0) q[k] = (s as JsonSchema).type === 'array' ? all : all[all.length - 1];
        }
        query ??= this.queries.compile(c.query);
        if (!query(q)) throw invalid(message(query.errors!, ''));
      }
      let b = given;
      if (c.body !== undefined && c.body !== 'stream') {
        // fields a client may send in the query string instead (MLflow's DELETEs)
        if (c.queryFields && raw.size > 0) b = { ...Object.fromEntries(raw.entries()), ...(isObject(given) ? given : {}) };
        if (b === undefined && (c.body as JsonSchema).type === 'object') b = {};
        body ??= this.bodies.compile(c.body as TSchema);
        if (!body(b)) throw invalid(message(body.errors!, 'request body'));
      }
      return { q, body: b };
    };
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `/metrics/0/value` as `metrics[0].value`. */
function fieldOf(instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) parts.push(extra);
  return parts.reduce((out, p) => (/^\d+$/.test(p) ? `${out}[${p}]` : out ? `${out}.${p}` : p), '');
}

/** The first problem, naming the field and what was expected (the outermost of a union's failures). */
function message(errors: ErrorObject[], whole: string): string {
  const e = errors[errors.length - 1];
  const schema = (e.parentSchema ?? {}) as JsonSchema;
  if (e.keyword === 'required') {
    const missing = (e.params as { missingProperty: string }).missingProperty;
    return `${fieldOf(e.instancePath, missing)} is required (${expected(schema.properties?.[missing] ?? {})})`;
  }
  if (e.keyword === 'additionalProperties') {
    const extra = String((e.params as { additionalProperty: string }).additionalProperty).slice(0, 40);
    return `${fieldOf(e.instancePath) || whole || 'the query'} has an unknown field "${extra}" (known: ${Object.keys(schema.properties ?? {}).join(', ')})`;
  }
  const field = fieldOf(e.instancePath) || whole;
  return `${field} must be ${expected(schema)}`;
}

const ARTICLE = /^(a|an|one of|true|false|null|\{)\b/;

/** What a schema expects, in words: its description where it says so, else read off its type and bounds. */
export function expected(s: JsonSchema): string {
  if (s.description && ARTICLE.test(s.description)) return s.description;
  const derived = derive(s);
  return s.description ? `${derived} (${s.description})` : derived;
}

function derive(s: JsonSchema): string {
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.anyOf) {
    if (s.anyOf.every((x) => x.const !== undefined)) return `one of ${s.anyOf.map((x) => String(x.const)).join(', ')}`;
    return s.anyOf.map(expected).join(' or ');
  }
  const range = (lo?: number, hi?: number) => (lo !== undefined && hi !== undefined ? ` from ${lo} to ${hi}` : lo !== undefined ? ` >= ${lo}` : hi !== undefined ? ` <= ${hi}` : '');
  switch (s.type) {
    case 'string':
      if (s.pattern) return `a string matching ${s.pattern}`;
      if (s.minLength === 1 && s.maxLength === undefined) return 'a non-empty string';
      if (s.minLength !== undefined || s.maxLength !== undefined) return `a string of ${range(s.minLength, s.maxLength).trim()} characters`;
      return 'a string';
    case 'integer':
      return `an integer${range(s.minimum, s.maximum)}`;
    case 'number':
      return `a number${range(s.minimum, s.maximum)}`;
    case 'boolean':
      return 'true or false';
    case 'array':
      return s.minItems !== undefined || s.maxItems !== undefined ? `an array of ${range(s.minItems, s.maxItems).trim()} items` : 'an array';
    case 'object':
      return 'a JSON object';
    case 'null':
      return 'null';
    default:
      return 'valid';
  }
}
