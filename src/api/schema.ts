import type { TSchema } from '@sinclair/typebox';
import { Type } from './typebox.ts';

/*
 * The building blocks of the API's schemas (TypeBox: JSON Schema with the TypeScript type it describes). A schema with a
 * `title` is a named component of the OpenAPI document; `description` is what a request is told when a value does not fit
 * ("name must be ...").
 */

export const Str = (description?: string) => Type.String(description ? { description } : {});
export const Int = (minimum?: number, description?: string) => Type.Integer({ ...(minimum !== undefined ? { minimum } : {}), ...(description ? { description } : {}) });
/** Epoch milliseconds. */
export const Millis = Type.Integer({ minimum: 0, description: 'epoch milliseconds' });

/** A double as the protobuf JSON mapping writes it: NaN and the infinities as strings. */
export const Double = Type.Union([Type.Number(), Type.Literal('NaN'), Type.Literal('Infinity'), Type.Literal('-Infinity')], {
  description: 'a number (or "NaN", "Infinity", "-Infinity")',
});

/** MLflow sends int64 as a number or as a decimal string. */
export const Int64 = Type.Union([Type.Integer(), Type.String({ pattern: '^-?[0-9]{1,16}$' })], { description: 'an integer (a number or a decimal string)' });

export const Id = Type.String({ pattern: '^[0-9a-f]{8,64}$', description: 'an id (8 to 64 lower-case hex characters)' });
export const Name = Type.String({ minLength: 1, maxLength: 256, description: 'a name: letters, digits, space, ".", "_" or "-", starting with a letter or digit' });
export const StringMap = Type.Record(Type.String(), Type.String(), { description: 'an object of strings' });
export const Role = Type.Union([Type.Literal('viewer'), Type.Literal('member'), Type.Literal('approver'), Type.Literal('admin')], { description: 'one of viewer, member, approver, admin' });
export const Lifecycle = Type.Union([Type.Literal('active'), Type.Literal('deleted')]);
export const RunStatus = Type.Union([Type.Literal('RUNNING'), Type.Literal('SCHEDULED'), Type.Literal('FINISHED'), Type.Literal('FAILED'), Type.Literal('KILLED')], {
  description: 'one of RUNNING, SCHEDULED, FINISHED, FAILED, KILLED',
});
/** Any JSON value (a schema or profile document, an audit detail). */
export const AnyJson = Type.Unknown();

export const Page = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'pass as ?cursor= for the next page; null on the last' }) });
export const Items = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item) });

/** `?limit=&cursor=` of a paged list. */
export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, description: 'an integer >= 1 (the page size)' })),
  cursor: Type.Optional(Type.String({ description: 'the nextCursor of the previous page' })),
};

/** Capstan's error body; the V2 protocol's and MLflow's for their routes. */
export const ApiError = Type.Object(
  { error: Type.Object({ code: Type.String({ description: 'INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, UNAUTHENTICATED, PERMISSION_DENIED, PAYLOAD_TOO_LARGE, UNAVAILABLE, INTERNAL' }), message: Type.String() }) },
  { title: 'Error' },
);
export const V2Error = Type.Object({ error: Type.String() }, { title: 'V2Error' });
export const MlflowError = Type.Object({ error_code: Type.String(), message: Type.String() }, { title: 'MlflowError' });
