import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { COMPONENTS, compilePipeline } from '../src/pipeline/index.ts';
import { addStep, connect, EMPTY_SPEC, readDesign, refusal, removeStep, setInput, setName, valueOfText, type ComponentPorts } from '../ui/src/designer/spec-doc.ts';

const DIR = join(import.meta.dirname, '..', 'examples', 'pipelines');
const examples = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).map((f) => ({ file: f, text: readFileSync(join(DIR, f), 'utf8') }));
const components = new Map<string, ComponentPorts>([...COMPONENTS.values()].map((c) => [c.name, c as unknown as ComponentPorts]));

describe('the designer edits the pipeline file itself', () => {
  it('reads every example: its steps, and a link for each input fed by another step', () => {
    assert.ok(examples.length >= 3);
    for (const { file, text } of examples) {
      const d = readDesign(text);
      const spec = parse(text) as { steps: { name: string }[]; finally?: { name: string }[] };
      assert.deepEqual(d.steps.map((s) => s.name), [...spec.steps, ...(spec.finally ?? [])].map((s) => s.name), file);
      assert.deepEqual(d.errors, []);
    }
    const train = readDesign(examples.find((e) => e.file === 'train.yaml')!.text);
    assert.deepEqual(train.links.filter((l) => l.target === 'split'), [{ source: 'load', output: 'data', target: 'split', input: 'data' }]);
    // register waits for the gate through its `when`, not a port
    assert.deepEqual(train.waits, [{ source: 'gate', target: 'register' }]);
  });

  it('gives back the same text after edits that cancel out: add and remove a step, unlink and link again, set an input to its value', () => {
    for (const { file, text } of examples) {
      assert.equal(removeStep(addStep(text, 'capstan/noop'), 'noop'), text, `${file}: add then remove`);
      const d = readDesign(text);
      for (const l of d.links) {
        assert.equal(connect(text, l), text, `${file}: ${l.target}.${l.input} linked again`);
        const step = d.steps.find((s) => s.name === l.target)!;
        const unlinked = setInput(text, l.target, l.input, undefined);
        assert.ok(!readDesign(unlinked).links.some((x) => x.target === l.target && x.input === l.input));
        // put back where it was: the same text when it was the step's last input but not its only one (an emptied map goes)
        const keys = Object.keys(step.inputs);
        if (keys.length > 1 && keys.at(-1) === l.input) assert.equal(connect(unlinked, l), text, `${file}: ${l.target}.${l.input} relinked`);
      }
      for (const s of d.steps) for (const [k, v] of Object.entries(s.inputs)) assert.equal(setInput(text, s.name, k, v), text, `${file}: ${s.name}.${k} set to its value`);
    }
  });

  it('builds a pipeline from nothing that the compiler accepts, and refuses a link of the wrong type by the compiler rule', () => {
    let text = addStep('', 'capstan/load');
    text = addStep(text, 'capstan/split');
    text = addStep(text, 'capstan/train');
    text = setName(text, 'designed');
    text = setInput(text, 'load', 'path', '/data/telco.csv');
    text = setInput(text, 'split', 'stratify', 'churn');
    text = setInput(text, 'train', 'target', 'churn');
    let d = readDesign(text);
    assert.equal(refusal(d, components, { source: 'load', output: 'data', target: 'train', input: 'target' }), 'train.target takes a string; load.data is a file');
    assert.equal(refusal(d, components, { source: 'load', output: 'data', target: 'split', input: 'data' }), null);
    text = connect(text, { source: 'load', output: 'data', target: 'split', input: 'data' });
    text = connect(text, { source: 'split', output: 'train', target: 'train', input: 'data' });
    d = readDesign(text);
    assert.match(refusal(d, components, { source: 'train', output: 'model', target: 'load', input: 'path' }) ?? '', /takes a string/);
    assert.match(refusal(d, components, { source: 'split', output: 'test', target: 'load', input: 'path' }) ?? '', /takes a string/);
    assert.equal(d.links.length, 2);
    const spec = parse(text);
    assert.deepEqual(compilePipeline(spec).problems, []);
    assert.equal(spec.steps.length, 3);
    assert.ok(text.startsWith(EMPTY_SPEC.split('steps')[0].replace('my-pipeline', 'designed')));
    // taking out the step in the middle takes the inputs that read from it too
    const without = parse(removeStep(text, 'split'));
    assert.deepEqual(without.steps.map((s: { name: string }) => s.name), ['load', 'train']);
    assert.equal(without.steps[1].inputs.data, undefined);
  });

  it('reads what a user types as the port type wants it', () => {
    assert.equal(valueOfText('0.8', 'number'), 0.8);
    assert.equal(valueOfText('0.8', 'string'), '0.8');
    assert.equal(valueOfText('true', 'boolean'), true);
    assert.deepEqual(valueOfText('{"a": 1}', 'json'), { a: 1 });
    assert.equal(valueOfText('churn', 'json'), 'churn');
    assert.equal(valueOfText('  ', 'string'), undefined);
    assert.equal(valueOfText('${{ params.x }}', 'number'), '${{ params.x }}');
  });
});
