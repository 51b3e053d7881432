import { invalid, notFound } from '../../core/errors.ts';
import { checkName } from '../../core/names.ts';
import type { ScheduleStore } from '../metadata-store.ts';
import type { PipelineSchedule } from '../types.ts';
import { appendAudit } from './audit.ts';
import type { Row, SqlDriver } from './driver.ts';

function scheduleOf(r: Row): PipelineSchedule {
  return {
    name: r.name as string,
    spec: JSON.parse(r.spec as string),
    cron: r.cron as string,
    params: JSON.parse(r.params as string) as Record<string, string>,
    nextAt: r.next_at as number,
    lastAt: (r.last_at as number | null) ?? null,
    lastRunId: (r.last_run_id as string | null) ?? null,
    createdBy: r.created_by as string,
    createdAt: r.created_at as number,
  };
}

export class SqlScheduleStore implements ScheduleStore {
  constructor(private readonly db: SqlDriver) {}

  async put(input: { name: string; spec: unknown; cron: string; params: Record<string, string>; nextAt: number; actor: string }): Promise<PipelineSchedule> {
    checkName('schedule name', input.name);
    if (typeof input.cron !== 'string' || input.cron.length === 0 || input.cron.length > 200) throw invalid('cron must be a cron expression');
    if (!Number.isSafeInteger(input.nextAt) || input.nextAt < 0) throw invalid('nextAt must be epoch milliseconds');
    for (const [k, v] of Object.entries(input.params)) if (typeof v !== 'string') throw invalid(`params.${k} must be a string`);
    const now = Date.now();
    await this.db.tx(async (q) => {
      await q.run(
        `INSERT INTO pipeline_schedules (name, spec, cron, params, next_at, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET spec = excluded.spec, cron = excluded.cron, params = excluded.params, next_at = excluded.next_at, created_by = excluded.created_by, created_at = excluded.created_at`,
        [input.name, JSON.stringify(input.spec), input.cron, JSON.stringify(input.params), input.nextAt, input.actor, now],
      );
      await appendAudit(q, input.actor, 'schedule.put', `schedule:${input.name}`, { cron: input.cron, params: input.params });
    });
    return this.get(input.name);
  }

  async get(name: string): Promise<PipelineSchedule> {
    const r = await this.db.get<Row>('SELECT * FROM pipeline_schedules WHERE name = ?', [name]);
    if (!r) throw notFound(`no schedule "${name}"`);
    return scheduleOf(r);
  }

  async list(): Promise<PipelineSchedule[]> {
    return (await this.db.all<Row>('SELECT * FROM pipeline_schedules ORDER BY name')).map(scheduleOf);
  }

  async delete(name: string, actor: string): Promise<void> {
    await this.db.tx(async (q) => {
      const n = await q.run('DELETE FROM pipeline_schedules WHERE name = ?', [name]);
      if (n === 0) throw notFound(`no schedule "${name}"`);
      await appendAudit(q, actor, 'schedule.delete', `schedule:${name}`, {});
    });
  }

  async claim(name: string, expected: number, nextAt: number): Promise<boolean> {
    return (await this.db.run('UPDATE pipeline_schedules SET next_at = ? WHERE name = ? AND next_at = ?', [nextAt, name, expected])) === 1;
  }

  async fired(name: string, runId: string, at: number): Promise<void> {
    await this.db.run('UPDATE pipeline_schedules SET last_at = ?, last_run_id = ? WHERE name = ?', [at, runId, name]);
  }
}
