import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FeatureSpec } from '../core/schema.ts';
import { parseInferRequest } from './v2.ts';

const sig: FeatureSpec[] = [
  { name: 'age', kind: 'numeric', integer: true, min: 0, max: 99, missing: 3 },
  { name: 'plan', kind: 'categorical', categories: ['a', 'b'], missing: 0 },
];
const good = () => ({
  inputs: [
    { name: 'age', datatype: 'INT64', shape: [2], data: [30, null] },
    { name: 'plan', datatype: 'BYTES', shape: [2, 1], data: [['a'], ['zzz']] },
  ],
});

describe('parseInferRequest', () => {
  it('builds a table in signature order (null = missing, nested [rows][1] accepted)', () => {
    const { table } = parseInferRequest(good(), sig);
    assert.equal(table.rows, 2);
    assert.equal(table.columns[0].kind === 'numeric' && Number.isNaN(table.columns[0].values[1]), true);
  });

  const cases: [string, (b: ReturnType<typeof good>) => unknown, RegExp][] = [
    ['not an object', () => [1], /must be a JSON object/],
    ['no inputs', () => ({}), /"inputs" must be a non-empty array/],
    ['unknown input', (b) => ({ inputs: [...b.inputs, { name: 'zip', datatype: 'FP64', shape: [2], data: [1, 2] }] }), /"zip" is not an input/],
    ['missing input', (b) => ({ inputs: [b.inputs[0]] }), /missing input: plan/],
    ['wrong datatype', (b) => ({ inputs: [{ ...b.inputs[0], datatype: 'BYTES' }, b.inputs[1]] }), /input "age": datatype must be numeric/],
    ['string in numeric', (b) => ({ inputs: [{ ...b.inputs[0], data: [1, 'x'] }, b.inputs[1]] }), /input "age": value 1 is not a number/],
    ['shape mismatch', (b) => ({ inputs: [{ ...b.inputs[0], shape: [3] }, b.inputs[1]] }), /shape says 3 values but data has 2/],
    ['row mismatch', (b) => ({ inputs: [b.inputs[0], { ...b.inputs[1], shape: [1], data: ['a'] }] }), /has 1 rows but other inputs have 2/],
    ['bad shape', (b) => ({ inputs: [{ ...b.inputs[0], shape: [2, 2] }, b.inputs[1]] }), /shape must be \[rows\] or \[rows, 1\]/],
    ['duplicate', (b) => ({ inputs: [b.inputs[0], b.inputs[0], b.inputs[1]] }), /given twice/],
    ['missing where training had none', (b) => ({ inputs: [b.inputs[0], { ...b.inputs[1], data: [['a'], [null]] }] }), /input "plan": value 1 is missing, but the model was trained without missing values in "plan"/],
    ['infinite number', (b) => ({ inputs: [{ ...b.inputs[0], data: [1, Infinity] }, b.inputs[1]] }), /input "age": value 1 is not a finite number/],
  ];
  for (const [name, make, re] of cases) {
    it(`rejects ${name} with a message naming the field`, () => {
      assert.throws(() => parseInferRequest(make(good()), sig), (e: Error & { code?: string }) => re.test(e.message) && e.code === 'INVALID_ARGUMENT');
    });
  }
});

describe('parseInferRequest with a date feature', () => {
  const sigDate: FeatureSpec[] = [{ name: 'day', kind: 'numeric', integer: true, min: 0, max: 1, missing: 0, datetime: true }];
  it('accepts ISO 8601 text and rejects other text, naming the input', () => {
    const { table } = parseInferRequest({ inputs: [{ name: 'day', datatype: 'BYTES', shape: [1], data: ['2026-11-28'] }] }, sigDate);
    assert.equal(table.columns[0].kind, 'categorical');
    assert.throws(() => parseInferRequest({ inputs: [{ name: 'day', datatype: 'BYTES', shape: [1], data: ['someday'] }] }, sigDate), /input "day": value 0 is not an ISO 8601 date/);
  });
});
