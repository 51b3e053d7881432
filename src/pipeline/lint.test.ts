import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lintPipeline, planPipeline } from './lint.ts';
import { runPipeline } from './local-executor.ts';
import { step, type Pipeline, type PortType } from './spec.ts';
import type { StepRecord } from '../store/types.ts';

const s = (name: string, inputs: Record<string, { from: string; type: PortType }>, fail = false) =>
  step({ name, title: name, inputs, outputs: { out: 'json' }, run: async () => { if (fail) throw new Error(`${name} broke`); return { out: name }; } });

describe('lintPipeline', () => {
  it('accepts a DAG and orders producers first', () => {
    const p: Pipeline = { name: 'p', steps: [s('b', { x: { from: 'a.out', type: 'json' } }), s('a', {})] };
    assert.deepEqual(lintPipeline(p), []);
    assert.deepEqual(planPipeline(p).map((x) => x.name), ['a', 'b']);
  });

  it('names the step for unknown producers, missing outputs, type mismatches and cycles', () => {
    const p: Pipeline = {
      name: 'p',
      steps: [s('a', { x: { from: 'ghost.out', type: 'json' } }), s('b', { x: { from: 'a.nope', type: 'json' } }), s('c', { x: { from: 'a.out', type: 'table' } }), s('d', { x: { from: 'e.out', type: 'json' } }), s('e', { x: { from: 'd.out', type: 'json' } })],
    };
    const problems = lintPipeline(p).map((x) => `${x.step}: ${x.message}`);
    assert.ok(problems.some((m) => /^a: input "x" comes from "ghost.out"/.test(m)), problems.join('\n'));
    assert.ok(problems.some((m) => /^b: input "x": step "a" has no output "nope"/.test(m)));
    assert.ok(problems.some((m) => /^c: input "x" expects table but "a.out" is json/.test(m)));
    assert.ok(problems.some((m) => /cycle: d -> e -> d/.test(m)));
    assert.throws(() => planPipeline(p), /pipeline "p" is invalid: step "a"/);
  });
});

describe('runPipeline', () => {
  it('records each step; a failure marks the rest skipped', async () => {
    const records: StepRecord[] = [];
    const p: Pipeline = { name: 'p', steps: [s('a', {}), s('b', { x: { from: 'a.out', type: 'json' } }, true), s('c', { x: { from: 'b.out', type: 'json' } })] };
    await assert.rejects(runPipeline(p, { runId: 'r', log: () => {} }, { record: async (r) => void records.push(r) }), /b broke/);
    const last = new Map(records.map((r) => [r.name, r]));
    assert.equal(last.get('a')!.status, 'SUCCEEDED');
    assert.equal(last.get('b')!.status, 'FAILED');
    assert.equal(last.get('b')!.error, 'b broke');
    assert.equal(last.get('c')!.status, 'SKIPPED');
  });
});
