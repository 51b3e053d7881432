import type { Static } from '@sinclair/typebox';
import { Type } from './typebox.ts';

/*
 * The pipeline file (YAML or JSON), as a JSON Schema (`capstan pipeline schema` prints it). A value in `inputs`, `when` or
 * `forEach` is either a literal or a reference written `${{ params.NAME }}`, `${{ steps.STEP.outputs.PORT }}` or `${{ item }}`
 * (the current element inside a `forEach` step).
 */

import { PORT_TYPES } from './port-types.ts';

export { PORT_TYPES, portAccepts, type PortType } from './port-types.ts';

const PortTypeSchema = Type.Union(PORT_TYPES.map((t) => Type.Literal(t)), { description: `one of ${PORT_TYPES.join(', ')}` });
const StepName = Type.String({ pattern: '^[a-z][a-z0-9-]{0,62}$', description: 'a step name: a lower-case letter, then lower-case letters, digits and "-" (63 at most)' });
const Value = Type.Unknown({ description: 'a literal, or a reference ${{ params.NAME }}, ${{ steps.STEP.outputs.PORT }}, ${{ item }}' });

export const ParamSpec = Type.Object(
  {
    type: Type.Union([Type.Literal('string'), Type.Literal('number'), Type.Literal('boolean'), Type.Literal('json'), Type.Literal('list')], { description: 'one of string, number, boolean, json, list' }),
    default: Type.Optional(Type.Unknown()),
    description: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const StepSpec = Type.Object(
  {
    name: StepName,
    component: Type.Optional(Type.String({ description: 'a component, e.g. capstan/train (see capstan pipeline components)' })),
    command: Type.Optional(Type.Array(Type.String(), { minItems: 1, description: 'a program and its arguments, run with its inputs and outputs as files (instead of a component)' })),
    inputs: Type.Optional(Type.Record(Type.String(), Value)),
    outputs: Type.Optional(Type.Record(Type.String(), PortTypeSchema, { description: "a command step's outputs and their types" })),
    when: Type.Optional(Type.String({ description: 'a condition: ${{ REF }}, ${{ !REF }} or ${{ REF OP LITERAL }} with OP one of == != > >= < <=' })),
    forEach: Type.Optional(Value),
    retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
    retryDelaySeconds: Type.Optional(Type.Number({ minimum: 0, maximum: 3600, description: 'the first retry waits this long, each next one twice as long (default 1)' })),
    timeoutSeconds: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 604800 })),
    cache: Type.Optional(Type.Boolean({ description: 'reuse outputs of an identical earlier run of this step (default true)' })),
  },
  { additionalProperties: false },
);

export const PipelineSpecSchema = Type.Object(
  {
    apiVersion: Type.Literal('capstan.dev/v1'),
    kind: Type.Literal('Pipeline'),
    name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$', description: 'a pipeline name: letters, digits, ".", "_" or "-"' }),
    description: Type.Optional(Type.String()),
    params: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), ParamSpec)),
    /** how long a cached step's outputs may be reused (default: as long as they exist) */
    cacheTtlSeconds: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    steps: Type.Array(StepSpec, { minItems: 1 }),
    finally: Type.Optional(Type.Array(StepSpec, { description: 'exit handlers: steps run after the others, whatever happened' })),
  },
  { additionalProperties: false, $schema: 'https://json-schema.org/draft/2020-12/schema', title: 'PipelineSpec', description: 'A Capstan pipeline file' },
);

export type PipelineSpec = Static<typeof PipelineSpecSchema>;
export type StepSpec = Static<typeof StepSpec>;
export type ParamSpec = Static<typeof ParamSpec>;
