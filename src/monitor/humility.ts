import { CapstanError, invalid } from '../core/errors.ts';
import { isObject } from '../core/json.ts';
import { categoryRemap, columnByName, remapMemo, type RemapMemo, type Table } from '../core/table.ts';
import type { Predictions } from '../learn/index.ts';
import type { BundleManifest } from '../registry/index.ts';

/** When a rule fires on a row: the answer is unsure (classification), or the row is unlike anything the model trained on. */
export type HumilityCondition = { confidenceBelow: number } | { outsideRange: string } | { unseenCategory: string };
/**
 * What then: mark the answer, answer a fixed value instead, or refuse the request (400 naming the rule). The rules file may
 * also say `majority` or `mean`: a replacement by the training rows' majority class or mean, read from the bundle.
 */
export type HumilityAction = 'flag' | 'refuse' | { replace: string | number };

export interface HumilityRule {
  name: string;
  when: HumilityCondition;
  action: HumilityAction;
}

/** The model version tag holding its rules (JSON), set by `capstan models humility` (tags are audited). */
export const HUMILITY_TAG = 'humility';

/** Check rules against the model they are for: features exist with the right kind, a replacement is a class or a number. */
export function parseHumilityRules(doc: unknown, manifest: BundleManifest): HumilityRule[] {
  if (!Array.isArray(doc)) throw invalid('humility rules must be a list of {name, when, action}');
  const names = new Set<string>();
  const inputs = manifest.signature.inputs;
  return doc.map((r, i): HumilityRule => {
    const at = `rules[${i}]`;
    if (!isObject(r) || typeof r.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(r.name)) throw invalid(`${at}.name must be 1 to 64 letters, digits, "_", "." or "-"`);
    if (names.has(r.name)) throw invalid(`${at}.name "${r.name}" is used twice`);
    names.add(r.name);
    const w = r.when;
    if (!isObject(w) || Object.keys(w).length !== 1) throw invalid(`${at}.when must be one of {confidenceBelow: P}, {outsideRange: FEATURE or "*"}, {unseenCategory: FEATURE or "*"}`);
    let when: HumilityCondition;
    if ('confidenceBelow' in w) {
      if (manifest.task !== 'binary' && manifest.task !== 'multiclass') throw invalid(`${at}.when.confidenceBelow needs a classifier (this model is ${manifest.task})`);
      if (typeof w.confidenceBelow !== 'number' || !(w.confidenceBelow > 0 && w.confidenceBelow <= 1)) throw invalid(`${at}.when.confidenceBelow must be a probability in (0, 1]`);
      when = { confidenceBelow: w.confidenceBelow };
    } else if ('outsideRange' in w || 'unseenCategory' in w) {
      const key = 'outsideRange' in w ? 'outsideRange' : 'unseenCategory';
      const kind = key === 'outsideRange' ? 'numeric' : 'categorical';
      const f = w[key];
      if (typeof f !== 'string') throw invalid(`${at}.when.${key} must be a feature name or "*"`);
      if (f !== '*' && !inputs.some((x) => x.name === f && x.kind === kind)) throw invalid(`${at}.when.${key}: "${f.slice(0, 64)}" is not a ${kind} feature of this model`);
      when = key === 'outsideRange' ? { outsideRange: f } : { unseenCategory: f };
    } else throw invalid(`${at}.when must be one of confidenceBelow, outsideRange, unseenCategory`);
    const a = r.action;
    let action: HumilityAction;
    if (a === 'flag' || a === 'refuse') action = a;
    else if (a === 'majority' || a === 'mean') {
      const fits = a === 'mean' ? manifest.task === 'regression' : manifest.task === 'binary' || manifest.task === 'multiclass';
      if (!fits) throw invalid(`${at}.action ${a} needs ${a === 'mean' ? 'a regression' : 'a classifier'} (this model is ${manifest.task})`);
      const known = a === 'mean' ? manifest.trainingTarget?.mean : manifest.trainingTarget?.majority;
      if (known === undefined) throw invalid(`${at}.action ${a}: this model version's bundle has no training summary (it was made before Capstan kept one): use {replace: VALUE}`);
      action = { replace: known };
    } else if (isObject(a) && 'replace' in a) {
      const v = a.replace;
      if (manifest.task === 'regression' ? typeof v !== 'number' || !Number.isFinite(v) : typeof v !== 'string' || !(manifest.target.classes ?? []).includes(v)) {
        throw invalid(`${at}.action.replace must be ${manifest.task === 'regression' ? 'a number' : `one of the classes ${(manifest.target.classes ?? []).join(', ')}`}`);
      }
      action = { replace: v as string | number };
    } else throw invalid(`${at}.action must be flag, refuse, majority, mean or {replace: VALUE}`);
    return { name: r.name, when, action };
  });
}

/** What the rules did to one answer: the rows each rule fired on, the rows flagged, the answer after replacements. */
export interface HumilityOutcome {
  /** rule name -> rows it fired on (every rule that fired, the refusing one included) */
  fired: Map<string, number[]>;
  /** a refusing rule fired: the request is answered with this error (after the rules are counted) */
  refusal: CapstanError | null;
  /** flagged rows and their rules, for the answer */
  flags: { row: number; rules: string[] }[];
  predictions: Predictions;
}

interface Check {
  rule: HumilityRule;
  /** rows of `table` the rule fires on (appended to `into`) */
  rows(table: Table, p: Predictions, into: number[]): void;
}

/**
 * Rules compiled for one model version: each check is a loop over the request's rows with nothing allocated when no rule
 * fires, so a rule that never fires costs well under a microsecond per row.
 */
export class HumilityRules {
  private readonly checks: Check[];
  /** rows a check fired on (reused: apply is synchronous, and nothing is allocated when no rule fires) */
  private readonly hits: number[] = [];
  constructor(
    readonly rules: HumilityRule[],
    private readonly manifest: BundleManifest,
  ) {
    this.checks = rules.map((rule) => ({ rule, rows: checkOf(rule.when, manifest) }));
  }

  /** Apply the rules to an answer: null when none fired (the usual case). */
  apply(table: Table, p: Predictions): HumilityOutcome | null {
    let fired: Map<string, number[]> | null = null;
    const hits = this.hits;
    hits.length = 0;
    for (const c of this.checks) {
      c.rows(table, p, hits);
      if (hits.length === 0) continue;
      fired ??= new Map();
      fired.set(c.rule.name, hits.splice(0));
    }
    if (!fired) return null;
    let predictions = p;
    let refusal: CapstanError | null = null;
    const flagged = new Map<number, string[]>();
    for (const c of this.checks) {
      const rows = fired.get(c.rule.name);
      if (!rows) continue;
      const a = c.rule.action;
      if (a === 'refuse') refusal ??= new CapstanError('INVALID_ARGUMENT', `humility rule "${c.rule.name}" refused row ${rows[0]}${rows.length > 1 ? ` (and ${rows.length - 1} more)` : ''}: the model should not answer it`);
      else if (a === 'flag') for (const r of rows) flagged.set(r, [...(flagged.get(r) ?? []), c.rule.name]);
      else predictions = replaced(predictions, rows, a.replace, this.manifest);
    }
    return { fired, refusal, flags: [...flagged].sort((x, y) => x[0] - y[0]).map(([row, rules]) => ({ row, rules })), predictions };
  }
}

function replaced(p: Predictions, rows: number[], value: string | number, manifest: BundleManifest): Predictions {
  if (typeof value === 'number') {
    const values = Float64Array.from(p.values!);
    for (const r of rows) values[r] = value;
    return { ...p, values };
  }
  const classes = manifest.target.classes!;
  const k = classes.indexOf(value);
  const classIndex = Int32Array.from(p.classIndex!);
  const proba = p.proba ? Float64Array.from(p.proba) : undefined;
  for (const r of rows) {
    classIndex[r] = k;
    if (proba) for (let c = 0; c < classes.length; c++) proba[r * classes.length + c] = c === k ? 1 : 0;
  }
  return { ...p, classIndex, ...(proba ? { proba } : {}) };
}

function checkOf(when: HumilityCondition, manifest: BundleManifest): Check['rows'] {
  const inputs = manifest.signature.inputs;
  if ('confidenceBelow' in when) {
    const t = when.confidenceBelow;
    const k = manifest.target.classes?.length ?? 0;
    return (_table, p, into) => {
      const proba = p.proba;
      if (!proba) return;
      for (let r = 0; r < p.rows; r++) {
        let top = 0;
        for (let c = 0; c < k; c++) if (proba[r * k + c] > top) top = proba[r * k + c];
        if (top < t) into.push(r);
      }
    };
  }
  if ('outsideRange' in when) {
    const features = inputs.flatMap((f, i) => (f.kind === 'numeric' && (when.outsideRange === '*' || f.name === when.outsideRange) ? [{ name: f.name, min: f.min, max: f.max, hint: i }] : []));
    return (table, _p, into) => {
      for (const f of features) {
        const col = columnByName(table, f.name, f.hint);
        if (col?.kind !== 'numeric') continue;
        const values = col.values;
        for (let r = 0; r < table.rows; r++) if ((values[r] < f.min || values[r] > f.max) && !into.includes(r)) into.push(r);
      }
      if (into.length > 1) into.sort((a, b) => a - b);
    };
  }
  const features = inputs.flatMap((f, i) => (f.kind === 'categorical' && (when.unseenCategory === '*' || f.name === when.unseenCategory) ? [{ name: f.name, categories: f.categories, hint: i, memo: remapMemo() as RemapMemo }] : []));
  return (table, _p, into) => {
    for (const f of features) {
      const col = columnByName(table, f.name, f.hint);
      if (col?.kind !== 'categorical') continue;
      const remap = categoryRemap(col.categories, f.categories, f.memo);
      const codes = col.codes;
      for (let r = 0; r < table.rows; r++) if (codes[r] >= 0 && remap[codes[r]] < 0 && !into.includes(r)) into.push(r);
    }
    if (into.length > 1) into.sort((a, b) => a - b);
  };
}
