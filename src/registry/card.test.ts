import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ModelVersion } from '../store/index.ts';
import { draftCard } from './card.ts';

const version = (o: Partial<ModelVersion> = {}): ModelVersion => ({
  name: 'churn',
  version: 3,
  runId: 'r1',
  source: 'models/churn/3',
  digest: 'sha256:abc',
  task: 'binary',
  metrics: { roc_auc: 0.8412345678 },
  createdAt: Date.UTC(2026, 11, 1),
  aliases: [],
  author: 'ann',
  description: '',
  signature: {
    inputs: [
      { name: 'tenure', kind: 'numeric', integer: true, min: 0, max: 72, missing: 0 },
      { name: 'charges', kind: 'numeric', integer: false, min: 18.25, max: 8684.8, missing: 11 },
      { name: 'contract', kind: 'categorical', categories: ['month', 'year', 'two-year'], missing: 0 },
    ],
  },
  lineage: { runId: 'r1', datasets: [] },
  tags: {},
  ...o,
});

const section = (card: string, title: string) => card.split(`## ${title}\n`)[1].split('\n\n')[0].split('\n').filter(Boolean);

describe('model card drafts', () => {
  it('fills the sections from the registry and marks what only people know', () => {
    const card = draftCard(version(), {
      run: { id: 'r1', name: 'nightly', params: { learner: 'gbdt' }, metrics: { roc_auc: 0.5 } },
      datasets: [{ name: 'telco', version: 2, rows: 7043, columns: 21, role: 'train' }],
    });
    assert.match(card, /^# churn, version 3\n/);
    assert.deepEqual(section(card, 'Model details').slice(0, 2), ['- Task: binary classification, learner gbdt', '- Registered by ann on 2026-12-01 from run r1 (nightly)']);
    assert.deepEqual(section(card, 'Training data'), ['- telco v2 (train): 7043 rows, 21 columns']);
    assert.deepEqual(section(card, 'Inputs'), [
      '- `tenure`: integer, 0 to 72 in training',
      '- `charges`: numeric, 18.25 to 8684.8 in training, 11 missing',
      '- `contract`: categorical, 3 categories in training',
    ]);
    assert.deepEqual(section(card, 'Evaluation'), ['- roc_auc: 0.841235'], 'the version\'s own evaluation comes before the run\'s');
    for (const s of ['Intended use', 'Limitations and risks', 'Ethical considerations']) assert.ok(section(card, s).every((l) => l.startsWith('- TODO: ')), s);
  });

  it('falls back to the run\'s numeric metrics, and says what is not recorded', () => {
    const card = draftCard(version({ metrics: {}, signature: null, runId: null, lineage: {} }), { run: { id: 'r2', name: '', params: {}, metrics: { rmse: 1234567.5, note: 'NaN' } as never }, datasets: [] });
    assert.deepEqual(section(card, 'Evaluation'), ['- rmse: 1.235e+6']);
    assert.deepEqual(section(card, 'Inputs'), ['- not recorded in the bundle']);
    assert.match(section(card, 'Training data')[0], /not recorded/);
    const bare = draftCard(version({ metrics: {} }), { run: null, datasets: [] });
    assert.match(section(bare, 'Evaluation')[0], /no metrics recorded/);
    assert.doesNotMatch(bare, /from run/);
  });
});
