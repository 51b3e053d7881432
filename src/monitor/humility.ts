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

/** A feature some rules look at: its column is read once per request for all of them. */
interface FeatureCheck {
  name: string;
  /** where the column usually is (the signature's order) */
  hint: number;
  /** indexes of the rules that fire on this feature's rows */
  rules: number[];
}

/**
 * Rules compiled for one model version: one pass over each feature a rule looks at, for all the rules on it (a rule on "*"
 * and a rule on one feature share the pass), and nothing allocated when no rule fires, so rules that never fire cost well
 * under a microsecond per row.
 */
export class HumilityRules {
  /** thresholds of the confidence rules, with their rule indexes */
  private readonly confidence: { rule: number; below: number }[] = [];
  private readonly ranges: (FeatureCheck & { min: number; max: number })[] = [];
  private readonly unseen: (FeatureCheck & { categories: readonly string[]; memo: RemapMemo })[] = [];
  private readonly classes: number;
  constructor(
    readonly rules: HumilityRule[],
    private readonly manifest: BundleManifest,
  ) {
    this.classes = manifest.target.classes?.length ?? 0;
    manifest.signature.inputs.forEach((f, hint) => {
      // the rules on this feature (by name, or "*") of the condition its kind takes
      const on = (kind: 'numeric' | 'categorical') =>
        rules.flatMap((r, i) => {
          const w = r.when;
          const feature = kind === 'numeric' ? ('outsideRange' in w ? w.outsideRange : null) : 'unseenCategory' in w ? w.unseenCategory : null;
          return feature === '*' || feature === f.name ? [i] : [];
        });
      if (f.kind === 'numeric') {
        const rs = on('numeric');
        if (rs.length) this.ranges.push({ name: f.name, hint, rules: rs, min: f.min, max: f.max });
      } else if (f.kind === 'categorical') {
        const rs = on('categorical');
        if (rs.length) this.unseen.push({ name: f.name, hint, rules: rs, categories: f.categories, memo: remapMemo() });
      }
    });
    rules.forEach((r, i) => {
      if ('confidenceBelow' in r.when) this.confidence.push({ rule: i, below: r.when.confidenceBelow });
    });
  }

  /** Apply the rules to an answer: null when none fired (the usual case). */
  apply(table: Table, p: Predictions): HumilityOutcome | null {
    // rows per rule, made when a rule first fires
    let hits: Hits | null = null;
    const proba = p.proba;
    if (this.confidence.length && proba) {
      const k = this.classes;
      for (let r = 0; r < p.rows; r++) {
        let top = 0;
        for (let c = 0; c < k; c++) if (proba[r * k + c] > top) top = proba[r * k + c];
        for (const c of this.confidence) if (top < c.below) hits = fire(hits, c.rule, r);
      }
    }
    for (const f of this.ranges) {
      const col = columnByName(table, f.name, f.hint);
      if (col?.kind !== 'numeric') continue;
      const { values } = col;
      const { min, max } = f;
      for (let r = 0; r < table.rows; r++) if (values[r] < min || values[r] > max) for (const i of f.rules) hits = fire(hits, i, r);
    }
    for (const f of this.unseen) {
      const col = columnByName(table, f.name, f.hint);
      if (col?.kind !== 'categorical') continue;
      const remap = categoryRemap(col.categories, f.categories, f.memo);
      const { codes } = col;
      for (let r = 0; r < table.rows; r++) if (codes[r] >= 0 && remap[codes[r]] < 0) for (const i of f.rules) hits = fire(hits, i, r);
    }
    return hits === null ? null : this.outcome(hits, p);
  }

  /** What the rules that fired do: in the rules' order, each with its rows in row order. */
  private outcome(hits: Hits, p: Predictions): HumilityOutcome {
    const fired = new Map<string, number[]>();
    let predictions = p;
    let refusal: CapstanError | null = null;
    const flagged = new Map<number, string[]>();
    this.rules.forEach((rule, i) => {
      const rows = hits[i]?.sort((a, b) => a - b);
      if (!rows) return;
      fired.set(rule.name, rows);
      const a = rule.action;
      if (a === 'refuse') refusal ??= new CapstanError('INVALID_ARGUMENT', `humility rule "${rule.name}" refused row ${rows[0]}${rows.length > 1 ? ` (and ${rows.length - 1} more)` : ''}: the model should not answer it`);
      else if (a === 'flag') for (const r of rows) flagged.set(r, [...(flagged.get(r) ?? []), rule.name]);
      else predictions = replaced(predictions, rows, a.replace, this.manifest);
    });
    return { fired, refusal, flags: [...flagged].sort((x, y) => x[0] - y[0]).map(([row, rules]) => ({ row, rules })), predictions };
  }
}

/** Rows each rule fired on, by rule index. */
type Hits = (number[] | undefined)[];

/** `row` added to `rule`'s rows (once), making the lists when the first rule fires. */
function fire(hits: Hits | null, rule: number, row: number): Hits {
  hits ??= [];
  const rows = (hits[rule] ??= []);
  if (rows[rows.length - 1] !== row && !rows.includes(row)) rows.push(row);
  return hits;
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
