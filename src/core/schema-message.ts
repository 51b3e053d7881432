import type { ErrorObject } from 'ajv/dist/2020.js';

/*
 * What a JSON Schema validator's (ajv's) first complaint means for a person: the field, and what was expected there, read off
 * the schema (its description where it says so, else its type and bounds). Used wherever a document is checked against a
 * schema: request bodies and queries, pipeline specs.
 */

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

/** `/metrics/0/value` as `metrics[0].value`. */
export function fieldOf(instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) parts.push(extra);
  return parts.reduce((out, p) => (/^\d+$/.test(p) ? `${out}[${p}]` : out ? `${out}.${p}` : p), '');
}

/** The first problem, naming the field and what was expected (the outermost of a union's failures). */
export function schemaMessage(errors: ErrorObject[], whole: string): string {
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
