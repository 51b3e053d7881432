import { createRequire } from 'node:module';
import type { Ajv2020, ValidateFunction } from 'ajv/dist/2020.js';
import type { TObject, TSchema } from '@sinclair/typebox';
import { invalid } from '../core/errors.ts';
import { isObject } from '../core/json.ts';
import { schemaMessage } from '../core/schema-message.ts';
import type { Contract } from '../api/index.ts';

type Check = (query: URLSearchParams, body: unknown) => { q: unknown; body: unknown };
type JsonSchema = { type?: string };

/**
 * Request validation at the edge, from the routes' declarations (ajv, JSON Schema 2020-12). Each route's validators are
 * compiled on its first request, so a server starts without compiling routes it may never serve. Query values arrive as
 * strings and are converted to the declared types (`?limit=5` is 5, a repeated field an array).
 */
export class Validators {
  // the schemas are TypeBox's, valid by construction (the OpenAPI validator test checks them): not checked against the
  // meta-schema at run time, which cost more than compiling them. ajv loads with the first request that needs it, not with
  // the server (a server that only predicts never does).
  private ajv: { bodies: Ajv2020; queries: Ajv2020 } | null = null;

  private compilers(): { bodies: Ajv2020; queries: Ajv2020 } {
    if (!this.ajv) {
      const { Ajv2020: Ajv } = createRequire(import.meta.url)('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
      this.ajv = {
        bodies: new Ajv({ strict: false, verbose: true, allErrors: false, validateSchema: false }),
        queries: new Ajv({ strict: false, verbose: true, allErrors: false, coerceTypes: 'array', validateSchema: false }),
      };
    }
    return this.ajv;
  }

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
        query ??= this.compilers().queries.compile(c.query);
        if (!query(q)) throw invalid(schemaMessage(query.errors!, ''));
      }
      let b = given;
      if (c.body !== undefined && c.body !== 'stream') {
        // fields a client may send in the query string instead (MLflow's DELETEs)
        if (c.queryFields && raw.size > 0) b = { ...Object.fromEntries(raw.entries()), ...(isObject(given) ? given : {}) };
        if (b === undefined && (c.body as JsonSchema).type === 'object') b = {};
        body ??= this.compilers().bodies.compile(c.body as TSchema);
        if (!body(b)) throw invalid(schemaMessage(body.errors!, 'request body'));
      }
      return { q, body: b };
    };
  }
}

