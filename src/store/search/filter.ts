import { invalid } from '../../core/errors.ts';

/*
 * The run filter language, parsed into a tree the SQL compiler turns into bound parameters (never spliced text):
 *
 *   metrics.roc_auc > 0.8 and params.learner = 'gbdt' and (tags.team = 'risk' or tags.team IN ('a', 'b'))
 *
 * Fields: metrics.KEY (numbers), params.KEY and tags.KEY (strings), attributes.NAME or a bare NAME for run columns (status,
 * run_name, run_id, user_id, experiment_id: strings; start_time, end_time: numbers). Keys with other characters go in
 * backticks or double quotes. Operators: = != <> < <= > >= LIKE ILIKE, [NOT] IN (...), IS [NOT] NULL; AND binds tighter than OR.
 */

export type Entity = 'metrics' | 'params' | 'tags' | 'attributes';
export type Op = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN' | 'IS NULL' | 'IS NOT NULL';

export interface Comparison {
  kind: 'cmp';
  entity: Entity;
  key: string;
  op: Op;
  values: (string | number)[];
}

export type FilterNode = Comparison | { kind: 'and' | 'or'; items: FilterNode[] };

export const FILTER_LIMITS = { maxLength: 20_000, maxComparisons: 100, maxDepth: 16, maxInValues: 200 };

const ATTRIBUTES: Record<string, 'string' | 'number'> = {
  status: 'string',
  run_name: 'string',
  name: 'string',
  run_id: 'string',
  user_id: 'string',
  experiment_id: 'string',
  start_time: 'number',
  end_time: 'number',
};

type Token = { t: 'word' | 'str' | 'num' | 'op' | 'punct' | 'quoted'; v: string; at: number };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const at = i;
    if (c === "'") {
      let v = '';
      i++;
      for (;;) {
        if (i >= src.length) throw invalid(`filter: unterminated string starting at character ${at + 1}`);
        if (src[i] === "'") {
          if (src[i + 1] === "'") {
            v += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += src[i++];
      }
      out.push({ t: 'str', v, at });
    } else if (c === '"' || c === '`') {
      const end = src.indexOf(c, i + 1);
      if (end < 0) throw invalid(`filter: unterminated ${c} quote starting at character ${at + 1}`);
      out.push({ t: 'quoted', v: src.slice(i + 1, end), at });
      i = end + 1;
    } else if (/[0-9]/.test(c) || ((c === '-' || c === '+' || c === '.') && /[0-9.]/.test(src[i + 1] ?? ''))) {
      const m = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/.exec(src.slice(i));
      if (!m) throw invalid(`filter: bad number at character ${at + 1}`);
      out.push({ t: 'num', v: m[0], at });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_.\-/:]*/.exec(src.slice(i))!;
      out.push({ t: 'word', v: m[0], at });
      i += m[0].length;
    } else if ('<>!='.includes(c)) {
      const two = src.slice(i, i + 2);
      const op = ['<=', '>=', '!=', '<>'].includes(two) ? two : c;
      if (op === '!') throw invalid(`filter: unexpected "!" at character ${at + 1} (use != )`);
      out.push({ t: 'op', v: op === '<>' ? '!=' : op, at });
      i += op.length;
    } else if ('(),'.includes(c)) {
      out.push({ t: 'punct', v: c, at });
      i++;
    } else {
      throw invalid(`filter: unexpected character ${JSON.stringify(c)} at character ${at + 1}`);
    }
  }
  return out;
}

/** Parse a filter; an empty or blank filter is null (everything matches). Errors say where and what was expected. */
export function parseFilter(src: string | undefined | null): FilterNode | null {
  if (src === undefined || src === null || src.trim() === '') return null;
  if (typeof src !== 'string') throw invalid('filter must be a string');
  if (src.length > FILTER_LIMITS.maxLength) throw invalid(`filter is ${src.length} characters long; the limit is ${FILTER_LIMITS.maxLength}`);
  const toks = tokenize(src);
  let pos = 0;
  let comparisons = 0;
  const peek = () => toks[pos];
  const where = () => (pos < toks.length ? `at character ${toks[pos].at + 1}` : 'at the end');
  const isWord = (w: string) => peek()?.t === 'word' && peek().v.toUpperCase() === w;

  const parseOr = (depth: number): FilterNode => {
    if (depth > FILTER_LIMITS.maxDepth) throw invalid(`filter nests parentheses deeper than ${FILTER_LIMITS.maxDepth}`);
    const items = [parseAnd(depth)];
    while (isWord('OR')) {
      pos++;
      items.push(parseAnd(depth));
    }
    return items.length === 1 ? items[0] : { kind: 'or', items };
  };
  const parseAnd = (depth: number): FilterNode => {
    const items = [parseAtom(depth)];
    while (isWord('AND')) {
      pos++;
      items.push(parseAtom(depth));
    }
    return items.length === 1 ? items[0] : { kind: 'and', items };
  };
  const parseAtom = (depth: number): FilterNode => {
    const t = peek();
    if (!t) throw invalid('filter: expected a comparison at the end');
    if (t.t === 'punct' && t.v === '(') {
      pos++;
      const inner = parseOr(depth + 1);
      if (peek()?.v !== ')' || peek()?.t !== 'punct') throw invalid(`filter: expected ")" ${where()}`);
      pos++;
      return inner;
    }
    return parseComparison();
  };
  const parseValue = (): string | number => {
    const t = peek();
    if (t?.t === 'num') {
      pos++;
      const n = Number(t.v);
      if (!Number.isFinite(n)) throw invalid(`filter: number ${t.v} is out of range`);
      return n;
    }
    if (t?.t === 'str' || t?.t === 'quoted') {
      pos++;
      return t.v;
    }
    throw invalid(`filter: expected a value (a number or a 'quoted string') ${where()}`);
  };
  const parseComparison = (): Comparison => {
    if (++comparisons > FILTER_LIMITS.maxComparisons) throw invalid(`filter has more than ${FILTER_LIMITS.maxComparisons} comparisons`);
    const f = peek();
    if (f?.t !== 'word') throw invalid(`filter: expected a field such as metrics.roc_auc ${where()}`);
    pos++;
    let entity: Entity;
    let key: string;
    const dot = f.v.indexOf('.');
    const head = (dot < 0 ? f.v : f.v.slice(0, dot)).toLowerCase();
    const prefixes: Record<string, Entity> = { metrics: 'metrics', metric: 'metrics', params: 'params', param: 'params', parameters: 'params', tags: 'tags', tag: 'tags', attributes: 'attributes', attribute: 'attributes', attr: 'attributes', run: 'attributes' };
    if (prefixes[head] && (dot > 0 || peek()?.t === 'quoted')) {
      entity = prefixes[head];
      key = dot > 0 ? f.v.slice(dot + 1) : '';
      if (key === '' && peek()?.t === 'quoted') key = toks[pos++].v;
      else if (key === '' ) throw invalid(`filter: ${head}. needs a key ${where()}`);
    } else if (dot > 0 && prefixes[head] === undefined) {
      throw invalid(`filter: unknown field "${f.v.slice(0, 64)}" (expected metrics.KEY, params.KEY, tags.KEY or attributes.NAME)`);
    } else {
      entity = 'attributes';
      key = f.v;
    }
    if (key.length === 0 || key.length > 250) throw invalid('filter: a key must have 1 to 250 characters');
    if (entity === 'attributes') {
      key = key.toLowerCase();
      if (!(key in ATTRIBUTES)) throw invalid(`filter: unknown attribute "${key.slice(0, 64)}" (known: ${Object.keys(ATTRIBUTES).join(', ')})`);
      if (key === 'name') key = 'run_name';
    }
    const kind: 'string' | 'number' = entity === 'metrics' ? 'number' : entity === 'attributes' ? ATTRIBUTES[key] : 'string';
    const field = `${entity}.${key}`;

    let op: Op;
    const o = peek();
    if (o?.t === 'op') {
      op = o.v as Op;
      pos++;
    } else if (o?.t === 'word' && ['LIKE', 'ILIKE', 'IN'].includes(o.v.toUpperCase())) {
      op = o.v.toUpperCase() as Op;
      pos++;
    } else if (o?.t === 'word' && o.v.toUpperCase() === 'NOT' && toks[pos + 1]?.t === 'word' && toks[pos + 1].v.toUpperCase() === 'IN') {
      op = 'NOT IN';
      pos += 2;
    } else if (o?.t === 'word' && o.v.toUpperCase() === 'IS') {
      pos++;
      let not = false;
      if (isWord('NOT')) {
        not = true;
        pos++;
      }
      if (!isWord('NULL')) throw invalid(`filter: expected NULL after IS ${where()}`);
      pos++;
      return { kind: 'cmp', entity, key, op: not ? 'IS NOT NULL' : 'IS NULL', values: [] };
    } else {
      throw invalid(`filter: expected an operator (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, IS NULL) after ${field.slice(0, 80)} ${where()}`);
    }

    let values: (string | number)[];
    if (op === 'IN' || op === 'NOT IN') {
      if (peek()?.v !== '(') throw invalid(`filter: expected "(" after ${op} ${where()}`);
      pos++;
      values = [parseValue()];
      while (peek()?.t === 'punct' && peek().v === ',') {
        pos++;
        values.push(parseValue());
        if (values.length > FILTER_LIMITS.maxInValues) throw invalid(`filter: IN lists hold at most ${FILTER_LIMITS.maxInValues} values`);
      }
      if (peek()?.v !== ')') throw invalid(`filter: expected ")" to close the IN list ${where()}`);
      pos++;
    } else values = [parseValue()];

    for (const v of values) {
      if (kind === 'number' && typeof v !== 'number') throw invalid(`filter: ${field.slice(0, 80)} compares with numbers, not strings`);
      if (kind === 'string' && typeof v !== 'string') throw invalid(`filter: ${field.slice(0, 80)} holds strings: quote the value ('${v}')`);
    }
    if (kind === 'number' && (op === 'LIKE' || op === 'ILIKE')) throw invalid(`filter: ${op} applies to strings; ${field.slice(0, 80)} is a number`);
    if (kind === 'string' && ['<', '<=', '>', '>='].includes(op) && entity !== 'attributes') throw invalid(`filter: ${op} applies to numbers; ${field.slice(0, 80)} is a string (use =, !=, LIKE, ILIKE or IN)`);
    return { kind: 'cmp', entity, key, op, values };
  };

  const tree = parseOr(0);
  if (pos < toks.length) throw invalid(`filter: unexpected ${JSON.stringify(toks[pos].v.slice(0, 40))} at character ${toks[pos].at + 1} (expected AND, OR or the end)`);
  return tree;
}

export interface OrderTerm {
  entity: Entity;
  key: string;
  desc: boolean;
}

/** `metrics.roc_auc DESC`, `start_time`, `params.learner ASC`. */
export function parseOrderBy(terms: string[] | undefined): OrderTerm[] {
  if (!terms) return [];
  if (terms.length > 10) throw invalid('order_by holds at most 10 terms');
  return terms.map((raw, i) => {
    if (typeof raw !== 'string') throw invalid(`order_by[${i}] must be a string`);
    const m = /^\s*(?:(metrics|params|tags|attributes|attribute)\.)?(`[^`]+`|"[^"]+"|[A-Za-z0-9_.\-/:]+)\s*(ASC|DESC)?\s*$/i.exec(raw);
    if (!m) throw invalid(`order_by[${i}] "${raw.slice(0, 80)}" must be FIELD [ASC|DESC], e.g. "metrics.roc_auc DESC"`);
    let entity = (m[1]?.toLowerCase() ?? 'attributes') as Entity | 'attribute';
    if (entity === 'attribute') entity = 'attributes';
    let key = m[2].replace(/^[`"]|[`"]$/g, '');
    if (entity === 'attributes') {
      key = key.toLowerCase();
      if (key === 'name') key = 'run_name';
      if (!(key in ATTRIBUTES)) throw invalid(`order_by[${i}]: unknown attribute "${key.slice(0, 64)}" (known: ${Object.keys(ATTRIBUTES).join(', ')})`);
    }
    return { entity: entity as Entity, key, desc: (m[3] ?? 'ASC').toUpperCase() === 'DESC' };
  });
}
