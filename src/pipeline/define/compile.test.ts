import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { trainPipeline } from '../../../examples/pipelines/train.ts';
import { compilePipeline, formatProblem, resolveParams } from './compile.ts';
import { parsePipeline, pipelineYaml } from './parse.ts';

const EXAMPLES = join(import.meta.dirname, '..', '..', '..', 'examples', 'pipelines');
const problemsOf = (text: string) => {
  const p = parsePipeline(text, 'p.yaml');
  return compilePipeline(p.spec, p.locate).problems.map((x) => formatProblem(x, 'p.yaml'));
};
const HEAD = 'apiVersion: capstan.dev/v1\nkind: Pipeline\nname: t\n';

describe('pipeline files', () => {
  it('every example parses, compiles, and round-trips through YAML to the same document', () => {
    const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml'));
    assert.ok(files.length >= 3);
    for (const f of files) {
      const { spec, locate } = parsePipeline(readFileSync(join(EXAMPLES, f), 'utf8'), f);
      assert.deepEqual(compilePipeline(spec, locate).problems, [], f);
      assert.deepEqual(parsePipeline(pipelineYaml(spec)).spec, spec, f);
      assert.deepEqual(parsePipeline(JSON.stringify(spec)).spec, spec, f);
    }
  });

  it('the TypeScript builder gives the same document as the YAML file', () => {
    const yaml = parsePipeline(readFileSync(join(EXAMPLES, 'train.yaml'), 'utf8')).spec;
    assert.deepEqual(trainPipeline().toSpec(), yaml);
  });

  it('refuses malformed files with the line and the field', () => {
    assert.throws(() => parsePipeline('a: [1,', 'p.yaml'), /^CapstanError: p\.yaml:1: not valid YAML/);
    assert.throws(() => parsePipeline(`${HEAD}steps:\n  - name: a\n    component: capstan/noop\n    retrys: 2\n`, 'p.yaml'), /p\.yaml:5: steps\[0\] has an unknown field "retrys"/);
    assert.throws(() => parsePipeline(`${HEAD}steps:\n  - name: A b\n    component: capstan/noop\n`, 'p.yaml'), /p\.yaml:5: steps\[0\]\.name must be a step name/);
    assert.throws(() => parsePipeline(`${HEAD}steps: []\n`, 'p.yaml'), /steps must be an array of >= 1 items/);
    assert.throws(() => parsePipeline('apiVersion: v2\nkind: Pipeline\nname: t\nsteps: []\n', 'p.yaml'), /p\.yaml:1: apiVersion must be "capstan\.dev\/v1"/);
  });

  it('lint names each problem with its step, field and line', () => {
    const problems = problemsOf(`${HEAD}params:
  n: { type: number, default: 1 }
steps:
  - name: load
    component: capstan/load
    inputs: { path: data.csv }
  - name: train
    component: capstan/train
    inputs:
      data: \${{ params.n }}
      target: \${{ steps.load.outputs.nope }}
      learner: \${{ item }}
  - name: bad
    component: capstan/nothing
  - name: gate
    component: capstan/evaluate
    inputs: { model: '\${{ steps.train.outputs.model }}', data: '\${{ steps.load.outputs.data }}', min: '\${{ params.missing }}' }
  - name: after
    component: capstan/noop
    inputs: { value: '\${{ steps.report.outputs.value }}' }
finally:
  - name: report
    component: capstan/noop
`);
    assert.deepEqual(problems, [
      'p.yaml:17: step "bad" component: component "capstan/nothing" is not one of capstan/load, capstan/profile, capstan/split, capstan/validate, capstan/train, capstan/automl, capstan/evaluate, capstan/predict, capstan/register, capstan/set-alias, capstan/deploy, capstan/best-model, capstan/noop',
      'p.yaml:13: step "train" inputs.data: expects a file, but params.n is a number',
      'p.yaml:14: step "train" inputs.target: step "load" has no output "nope" (it has data, rows, columns, dataset)',
      'p.yaml:15: step "train" inputs.learner: ${{ item }} is only defined in a forEach step',
      'p.yaml:20: step "gate" inputs.min: parameter "missing" is not declared under params',
      'p.yaml:23: step "after" inputs.value: reads exit handler "report", which runs after every other step: this step could never run',
    ]);
    assert.deepEqual(problemsOf(`${HEAD}steps:
  - name: a
    component: capstan/noop
    inputs: { value: '\${{ steps.b.outputs.value }}' }
  - name: b
    component: capstan/noop
    inputs: { value: '\${{ steps.a.outputs.value }}' }
  - name: c
    component: capstan/train
    inputs: { target: 3 }
`), [
      'p.yaml:13: step "c" inputs.target: expects a string, got 3',
      'p.yaml:13: step "c" inputs.data: input "data" is required (file: the training data (with the target column))',
      'p.yaml:5: step "a": is in a cycle: it waits for b',
      'p.yaml:8: step "b": is in a cycle: it waits for a',
    ]);
  });

  it('parameters: given text takes the declared type; unknown and missing ones are refused', () => {
    const { spec } = parsePipeline(`${HEAD}params:
  n: { type: number, default: 1 }
  l: { type: list }
  b: { type: boolean, default: false }
steps:
  - name: a
    component: capstan/noop
`);
    assert.deepEqual(resolveParams(spec, { n: '2.5', l: '["x", 1]', b: 'true' }), { n: 2.5, l: ['x', 1], b: true });
    assert.throws(() => resolveParams(spec, { l: '[]', m: '1' }), /parameter "m" is not declared \(declared: n, l, b\)/);
    assert.throws(() => resolveParams(spec, {}), /parameter "l" is required \(a list\)/);
    assert.throws(() => resolveParams(spec, { l: '[]', n: 'x' }), /parameter "n" must be a number/);
    assert.throws(() => resolveParams(spec, { l: '{' }), /parameter "l" must be a JSON list/);
  });
});
