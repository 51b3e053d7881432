import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startApi, type Api } from '../api/harness.ts';
import { cli, tempHome } from '../helpers.ts';

describe('terminal escape injection', () => {
  const home = tempHome();
  let api: Api;
  before(async () => {
    api = await startApi(undefined, home);
  });
  after(() => api.close());

  it('terminal escape injection: control characters in names are refused, and escaped when printed', async () => {
    const evil = 'r\u001b]0;pwned\u0007\u001b[2J';
    const created = await api.call('POST', '/api/v1/runs', { experiment: 'Default', name: evil });
    assert.equal(created.status, 400, 'control characters are refused in names');
    const tagged = await api.call('POST', '/api/v1/runs', { experiment: 'Default', name: 'plain', tags: { note: 'a\u0007b' } });
    assert.equal(tagged.status, 400, 'and in free text, other than tabs and line breaks');
    // a value stored before the check is printed escaped
    const run = await api.stores.metadata.runs.create({ experiment: 'escapes', name: 'plain' });
    await api.sql.driver.run("INSERT INTO tags (run_id, key, value) VALUES (?, 'note', ?)", [run.id, 'a\u001b[2Jb']);
    const out = cli(['runs', 'show', run.id], home).stdout;
    assert.ok(!out.includes('\u001b'), 'no raw escape reaches the terminal');
    assert.match(out, /note = a\\x1b\[2Jb/);
  });
});
