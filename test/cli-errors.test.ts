import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { describe, it } from 'node:test';
import { join } from 'node:path';
import { Rng } from '../src/core/random.ts';
import { openMetadataStore } from '../src/store/index.ts';
import { cli, cliAsync, TELCO, tempHome, writeTemp } from './helpers.ts';

/** One clear line on stderr, exit 1, no stack trace. */
function assertUserError(r: { status: number | null; stderr: string }, re: RegExp): void {
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, re);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

describe('CLI bad input', () => {
  const home = tempHome();

  it('missing file', () => assertUserError(cli(['train', '/no/such.csv', '--target', 'y'], home), /^capstan: file not found: \/no\/such.csv$/m));
  it('empty CSV', () => assertUserError(cli(['train', writeTemp('e.csv', ''), '--target', 'y'], home), /e.csv is empty/));
  it('header-only CSV', () => assertUserError(cli(['train', writeTemp('h.csv', 'a,y\n'), '--target', 'y'], home), /target column "y" has no values/));
  it('unknown target column', () => assertUserError(cli(['train', TELCO, '--target', 'churned'], home), /target column "churned" not found in telco_churn.csv \(columns: female, /));
  it('one-class target', () => assertUserError(cli(['train', writeTemp('one.csv', 'a,y\n1,x\n2,x\n3,x\n'), '--target', 'y'], home), /has only one class \("x"\)/));
  it('unparsable numbers in a numeric column', () => {
    const rows = Array.from({ length: 50 }, (_, i) => `${i},${i % 2 ? 'a' : 'b'}`);
    rows[30] = '12x,a';
    assertUserError(cli(['train', writeTemp('n.csv', 'x,y\n' + rows.join('\n') + '\n'), '--target', 'y'], home), /n.csv data row 31: column "x" holds numbers but has "12x"/);
  });
  it('bad parameter', () => assertUserError(cli(['train', TELCO, '--target', 'churn', '--param', 'n_estimators=-1'], home), /parameter n_estimators must be an integer >= 1 and <= 100000, got -1/));
  it('unknown parameter', () => assertUserError(cli(['train', TELCO, '--target', 'churn', '--param', 'depth=3'], home), /unknown parameter "depth" for learner gbdt/));
  it('unknown model name', () => assertUserError(cli(['predict', '--model', 'ghost', '--input', TELCO, '--output', '/tmp/x.csv'], home), /model "ghost" not found/));
  it('unknown model name for serve --workers 2: the workers fail, the primary says so and exits (no lingering process)', async () => {
    const r = await cliAsync(['serve', 'ghost', '--workers', '2', '--port', '0'], home);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^capstan: model "ghost" not found$/m);
    assert.match(r.stderr, /^capstan: a serving worker exited with code 1 \(see its message above\)$/m);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });
  it('usage error exits 2', () => assert.equal(cli(['train', TELCO], home).status, 2));

  it('port in use', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const trained = cli(['train', TELCO, '--target', 'churn', '--cv', '0', '--param', 'n_estimators=5', '--register', 'm'], home);
      assert.equal(trained.status, 0, trained.stderr);
      assertUserError(await cliAsync(['serve', 'm', '--port', String(port)], home), new RegExp(`port ${port} on 127.0.0.1 is already in use`));
    } finally {
      blocker.close();
    }
  });
});

describe('capstan train / predict', () => {
  const home = tempHome();

  it('train --json prints one document with cv scores, then predict writes input-ordered probabilities', () => {
    const r = cli(['train', TELCO, '--target', 'churn', '--cv', '3', '--param', 'n_estimators=20', '--register', 'churn', '--json'], home);
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.task, 'binary');
    assert.equal(doc.metric, 'roc_auc');
    assert.equal(doc.cv.folds.length, 3);
    assert.ok(doc.cv.mean > 0.8);
    assert.equal(doc.model.version, 1);
    assert.ok(doc.fit_seconds > 0);
    const out = writeTemp('p.csv', '');
    const input = writeTemp('in.csv', 'tenure,contract,female,senior_citizen,partner,dependents,phone_service,multiple_lines,internet_service,online_security,online_backup,device_protection,tech_support,streaming_tv,streaming_movies,paperless_billing,payment_method,monthly_charges,total_charges\n1,Month-to-month,1,0,1,0,0,No phone service,DSL,No,Yes,No,No,No,No,1,Electronic check,29.85,29.85\n72,Two year,0,0,1,1,1,Yes,No,No internet service,No internet service,No internet service,No internet service,No internet service,No internet service,0,Bank transfer (automatic),25.0,1800\n');
    const p = cli(['predict', '--model', 'churn', '--input', input, '--output', out], home);
    assert.equal(p.status, 0, p.stderr);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    assert.equal(lines[0], 'prediction,proba_No,proba_Yes,prediction_id');
    assert.equal(lines.length, 3);
    // a new month-to-month customer churns more likely than a two-year one
    assert.ok(Number(lines[1].split(',')[2]) > Number(lines[2].split(',')[2]));
  });

  it('predict loses the join key: --keep copies columns through, every scored row gets a prediction id', () => {
    const out = writeTemp('keep.csv', '');
    const p = cli(['predict', '--model', 'churn', '--input', TELCO, '--output', out, '--keep', 'churn,tenure'], home);
    assert.equal(p.status, 0, p.stderr);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    assert.equal(lines[0], 'prediction,proba_No,proba_Yes,prediction_id,churn,tenure');
    const source = readFileSync(TELCO, 'utf8').trim().split('\n');
    const unquote = (line: string) => line.split(',').map((c) => c.replace(/^"|"$/g, ''));
    const header = unquote(source[0]);
    assert.equal(lines.length, source.length);
    const ids = new Set<string>();
    for (let i = 1; i < lines.length; i++) {
      const cells = lines[i].split(',');
      const given = unquote(source[i]);
      assert.match(cells[3], /^[0-9a-f]{28}$/);
      ids.add(cells[3]);
      assert.deepEqual([cells[4], Number(cells[5])], [given[header.indexOf('churn')], Number(given[header.indexOf('tenure')])]);
    }
    assert.equal(ids.size, lines.length - 1, 'ids are unique');
  });

  it('predict with columns that do not match the model names the missing and extra columns, never the reader\'s error', () => {
    const input = writeTemp('wrong.csv', 'tenure,contract,zip\n1,Month-to-month,90210\n');
    const p = cli(['predict', '--model', 'churn', '--input', input, '--output', writeTemp('w.csv', '')], home);
    assertUserError(p, /wrong\.csv does not have the columns the model needs: missing "female", "senior_citizen", .* \(the file's other columns: "zip"\)/);
    assert.doesNotMatch(p.stderr, /COLUMN_TYPES|Binder|DuckDB/i);
    const k = cli(['predict', '--model', 'churn', '--input', TELCO, '--output', writeTemp('w.csv', ''), '--keep', 'customer'], home);
    assertUserError(k, /--keep names "customer", not in the file/);
  });

  it('predict reports rows with problems and keeps their place with empty cells; unseen categories are noted, not fatal', () => {
    const header = 'tenure,contract,female,senior_citizen,partner,dependents,phone_service,multiple_lines,internet_service,online_security,online_backup,device_protection,tech_support,streaming_tv,streaming_movies,paperless_billing,payment_method,monthly_charges,total_charges';
    const good = '1,Month-to-month,1,0,1,0,0,No phone service,DSL,No,Yes,No,No,No,No,1,Electronic check,29.85,29.85';
    const rows = [good, good.replace('1,Month', 'abc,Month'), good.replace('Month-to-month', 'Decade'), good.replace(',29.85,29.85', ',1e999,')];
    const input = writeTemp('mixed.csv', [header, ...rows].join('\n') + '\n');
    const out = writeTemp('p.csv', '');
    const p = cli(['predict', '--model', 'churn', '--input', input, '--output', out, '--json'], home);
    assert.equal(p.status, 0, p.stderr);
    const doc = JSON.parse(p.stdout);
    assert.equal(doc.rows, 4);
    assert.equal(doc.scored, 2);
    assert.deepEqual(doc.problems, [
      { row: 2, column: 'tenure', problem: '"abc" is not a finite number' },
      { row: 4, column: 'monthly_charges', problem: '"1e999" is not a finite number' },
    ]);
    assert.deepEqual(doc.unseen_categories, [{ column: 'contract', rows: 1, examples: ['Decade'] }]);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    assert.equal(lines.length, 5);
    assert.deepEqual([lines[2], lines[4]], [',,,', ',,,']);
    assert.match(lines[3], /^(No|Yes),0\.\d+/);
    const text = cli(['predict', '--model', 'churn', '--input', input, '--output', out], home);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /wrote 4 rows to .*: 2 scored, 2 left empty/);
    assert.match(text.stderr, /mixed\.csv row 2, column "tenure": "abc" is not a finite number/);
    assert.match(text.stderr, /column "contract": 1 row with categories unseen in training \("Decade"\), scored as unknown/);
  });
});

describe('capstan train --learner', () => {
  const home = tempHome();
  // Palmer penguins (palmerpenguins R package, Palmer Station LTER), copied from the shared datasets
  const penguins = new URL('./fixtures/penguins.csv', import.meta.url).pathname;

  for (const [learner, extra] of [['linear', []], ['forest', ['--threads', '2', '--param', 'n_estimators=30']], ['knn', []], ['bayes', []]] as const) {
    it(`${learner}: cross-validates, registers, and the bundle predicts`, () => {
      const r = cli(['train', penguins, '--target', 'species', '--learner', learner, ...extra, '--cv', '3', '--register', `p-${learner}`, '--json'], home);
      assert.equal(r.status, 0, r.stderr);
      const doc = JSON.parse(r.stdout);
      assert.equal(doc.metric, 'accuracy');
      assert.ok(doc.cv.mean > 0.9, `${learner} accuracy ${doc.cv.mean}`);
      assert.equal(doc.leaderboard[0].learner, learner);
      const out = writeTemp('p.csv', '');
      const p = cli(['predict', '--model', `p-${learner}`, '--input', penguins, '--output', out], home);
      assert.equal(p.status, 0, p.stderr);
      assert.equal(readFileSync(out, 'utf8').trim().split('\n')[0], 'prediction,proba_Adelie,proba_Chinstrap,proba_Gentoo,prediction_id');
    });
  }

  it('rejects an unknown learner and a task the learner cannot do', () => {
    assertUserError(cli(['train', penguins, '--target', 'species', '--learner', 'svm'], home), /unknown learner "svm" \(available: gbdt, linear, forest, knn, bayes, kmeans\)/);
    assertUserError(cli(['train', penguins, '--target', 'body_mass_g', '--learner', 'bayes', '--task', 'regression'], home), /learner bayes does not support regression/);
  });
});

describe('dates as features', () => {
  it('a weekend effect is learned from the date column (its calendar parts), and predict reads dates', () => {
    const home = tempHome();
    const lines = ['day,x,busy'];
    for (let i = 0; i < 600; i++) {
      const d = new Date(Date.UTC(2024, 0, 1) + i * 86_400_000);
      const weekend = d.getUTCDay() === 0 || d.getUTCDay() === 6;
      lines.push(`${d.toISOString().slice(0, 10)},${(i * 7919) % 100},${weekend ? 'yes' : 'no'}`);
    }
    const file = writeTemp('days.csv', lines.join('\n') + '\n');
    const r = cli(['train', file, '--target', 'busy', '--cv', '3', '--register', 'days', '--json'], home);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(JSON.parse(r.stdout).cv.mean > 0.99, r.stdout);
    const input = writeTemp('new-days.csv', 'day,x\n2026-11-28,5\n2026-11-30,5\n');
    const out = writeTemp('scored.csv', '');
    const p = cli(['predict', '--model', 'days', '--input', input, '--output', out], home);
    assert.equal(p.status, 0, p.stderr);
    // 2026-11-28 is a Saturday, 2026-11-30 a Monday
    assert.deepEqual(readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0]), ['yes', 'no']);
  });
});

describe('cross-validation schemes', () => {
  // 60 groups of 8 near-copies with a random label per group: only memorising a group scores well
  const lines = ['store,x1,x2,label'];
  const rng = new Rng(11);
  for (let g = 0; g < 60; g++) {
    const [a, b, label] = [rng.next(), rng.next(), rng.next() < 0.5 ? 'yes' : 'no'];
    for (let i = 0; i < 8; i++) lines.push(`s${g},${(a + rng.next() * 0.001).toFixed(5)},${(b + rng.next() * 0.001).toFixed(5)},${label}`);
  }
  const file = writeTemp('groups.csv', lines.join('\n') + '\n');

  it('--group keeps each group in one fold: no score from memorised groups, and the group is not a feature', async () => {
    const home = tempHome();
    const plain = JSON.parse(cli(['train', file, '--target', 'label', '--learner', 'knn', '--cv', '5', '--json'], home).stdout);
    const grouped = cli(['train', file, '--target', 'label', '--learner', 'knn', '--cv', '5', '--group', 'store', '--json'], home);
    assert.equal(grouped.status, 0, grouped.stderr);
    const g = JSON.parse(grouped.stdout);
    assert.ok(plain.cv.mean > 0.9, `plain k-fold ${plain.cv.mean}`);
    assert.ok(g.cv.mean < 0.7, `group k-fold ${g.cv.mean}`);
    const s = await openMetadataStore(join(home, 'capstan.db'));
    const run = await s.runs.get(g.run_id);
    assert.deepEqual([run.params['cv.kind'], run.params['cv.column']], ['group', 'store']);
    await s.close();
  });

  it('--time and bad scheme arguments', () => {
    const home = tempHome();
    const r = cli(['train', file, '--target', 'label', '--cv', '3', '--time', 'x1', '--json', '--param', 'n_estimators=5'], home);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).cv.folds.length, 3);
    assertUserError(cli(['train', file, '--target', 'label', '--group', 'store', '--time', 'x1'], home), /--group and --time are alternatives/);
    assertUserError(cli(['train', file, '--target', 'label', '--group', 'shop'], home), /group column "shop" not found in groups.csv/);
    assertUserError(cli(['train', file, '--target', 'label', '--group', 'store', '--cv', '0'], home), /--group needs --cv of at least 2/);
  });
});
