import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT, tempHome } from './helpers.ts';

/** examples/closed-loop/run.ts, as a user runs it, with its JSON summary. */
function runExample(scenario: 'promote' | 'rollback') {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'examples', 'closed-loop', 'run.ts'), '--scenario', scenario, '--home', tempHome()], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

describe('the closed loop (examples/closed-loop)', () => {
  for (const scenario of ['promote', 'rollback'] as const) {
    it(`drift and accuracy alerts fire, the policy retrains, compares on fresh rows and canaries the challenger, which is ${scenario === 'promote' ? 'promoted' : 'rolled back'}`, () => {
      const d = runExample(scenario);
      const fired = Object.fromEntries(d.pass1.items.map((a: { rule: string; state: string }) => [a.rule, a.state]));
      assert.deepEqual(fired, { drift: 'firing', accuracy: 'firing' });
      const [retrained] = d.pass1.retrained;
      assert.equal(retrained.decision, 'canary-started');
      assert.deepEqual([retrained.champion, retrained.challenger], [1, 2]);
      // better beyond the noise: the paired bootstrap interval of the difference lies above zero
      assert.ok(retrained.comparison.better && retrained.comparison.interval[0] > 0, JSON.stringify(retrained.comparison));
      assert.deepEqual(d.canaryVersions, ['1', '2'], 'the canary answered part of the traffic');
      const [canary] = d.pass2.canaries;
      assert.equal(canary.status, scenario === 'promote' ? 'promoted' : 'rolled-back');
      assert.equal(d.model.aliases.champion, scenario === 'promote' ? 2 : 1);
      assert.equal(d.model.traffic, null, 'the split is gone either way');
      if (scenario === 'rollback') assert.match(canary.reason, /roc_auc .* vs the champion's/);
      // lineage: a prediction of the first champion leads forward to the retrained version
      assert.deepEqual(d.lineage.laterVersions.map((v: { version: number; retrainedBy: string }) => [v.version, v.retrainedBy]), [[2, 'churn@1']]);
      // the audit log has every step: the policy, the alerts, the approval given by the policy's applier, traffic, alias
      for (const action of ['policy.apply', 'alert.firing', 'capstan-retrain model_version.create', 'approval.create', 'model.traffic']) assert.ok(d.audit.some((e: string) => e.includes(action)), `${action} in ${d.audit.join('; ')}`);
      if (scenario === 'promote') assert.ok(d.audit.some((e: string) => e.endsWith('alias.set')));
    });
  }
});
