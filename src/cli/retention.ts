import type { Command } from 'commander';
import { invalid } from '../core/errors.ts';
import { checkName } from '../core/names.ts';
import type { RetentionRule } from '../store/index.ts';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `15m`, `12h`, `30d` in milliseconds. */
export function parseDuration(field: string, text: string): number {
  const m = /^(\d{1,9})(s|m|h|d)$/.exec(text.trim());
  if (!m) throw invalid(`${field} must be a duration like 90s, 15m, 12h or 30d, got "${text.slice(0, 40)}"`);
  return Number(m[1]) * UNIT_MS[m[2]];
}

/** `VALUE` (the whole log) or `MODEL=VALUE` (one model's records). */
function scoped(field: string, text: string): { model?: string; value: string } {
  const eq = text.lastIndexOf('=');
  if (eq < 0) return { value: text };
  return { model: checkName(`${field} model`, text.slice(0, eq)), value: text.slice(eq + 1) };
}

/** The retention options of the commands that write or manage the prediction log. */
export function retentionOptions(c: Command): Command {
  return c
    .option('--log-max-age <age...>', 'delete logged predictions older than this: 30d for the whole log, NAME=7d for one model')
    .option('--log-max-records <n...>', 'keep about this many newest logged predictions: 1000000 for the whole log, NAME=100000 for one model');
}

/** The rules the options ask for, one per scope (the whole log, or a model). */
export function retentionRules(o: { logMaxAge?: string[]; logMaxRecords?: string[] }): RetentionRule[] {
  const rules = new Map<string, RetentionRule>();
  const rule = (model: string | undefined) => {
    const key = model ?? '';
    let r = rules.get(key);
    if (!r) rules.set(key, (r = model === undefined ? {} : { model }));
    return r;
  };
  for (const text of o.logMaxAge ?? []) {
    const s = scoped('--log-max-age', text);
    rule(s.model).maxAgeMs = parseDuration('--log-max-age', s.value);
  }
  for (const text of o.logMaxRecords ?? []) {
    const s = scoped('--log-max-records', text);
    const n = Number(s.value);
    if (!Number.isSafeInteger(n) || n < 0) throw invalid(`--log-max-records must be a whole number of records, got "${s.value.slice(0, 40)}"`);
    rule(s.model).maxRecords = n;
  }
  return [...rules.values()];
}
