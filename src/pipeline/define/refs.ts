import { invalid } from '../../core/errors.ts';

/** What a `${{ ... }}` names: a pipeline parameter, a step's output, or the current element of a `forEach`. */
export type Ref = { kind: 'param'; name: string } | { kind: 'output'; step: string; port: string } | { kind: 'item' };

/** How a step input gets its value. */
export type Binding = { kind: 'literal'; value: unknown } | { kind: 'ref'; ref: Ref } | { kind: 'template'; parts: (string | Ref)[] };

export type CompareOp = '==' | '!=' | '>' | '>=' | '<' | '<=';
export type Condition = { ref: Ref; negate: boolean; op?: undefined } | { ref: Ref; op: CompareOp; value: string | number | boolean };

const WHOLE = /^\$\{\{\s*(.*?)\s*\}\}$/s;
const ANY = /\$\{\{\s*(.*?)\s*\}\}/gs;

/** `params.x`, `steps.s.outputs.p`, `item`. */
export function parseRef(text: string, field: string): Ref {
  let m: RegExpExecArray | null;
  if (text === 'item') return { kind: 'item' };
  if ((m = /^params\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(text))) return { kind: 'param', name: m[1] };
  if ((m = /^steps\.([a-z][a-z0-9-]*)\.outputs\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(text))) return { kind: 'output', step: m[1], port: m[2] };
  throw invalid(`${field}: "\${{ ${text.slice(0, 80)} }}" is not a reference (params.NAME, steps.STEP.outputs.PORT or item)`);
}

export function refText(r: Ref): string {
  return r.kind === 'item' ? 'item' : r.kind === 'param' ? `params.${r.name}` : `steps.${r.step}.outputs.${r.port}`;
}

/** A value from the spec: a whole reference keeps the referenced value's type; references inside text are interpolated. */
export function parseBinding(value: unknown, field: string): Binding {
  if (typeof value !== 'string' || !value.includes('${{')) return { kind: 'literal', value };
  const whole = WHOLE.exec(value);
  if (whole && !whole[1].includes('${{')) return { kind: 'ref', ref: parseRef(whole[1], field) };
  const parts: (string | Ref)[] = [];
  let last = 0;
  for (const m of value.matchAll(ANY)) {
    if (m.index! > last) parts.push(value.slice(last, m.index));
    parts.push(parseRef(m[1], field));
    last = m.index! + m[0].length;
  }
  if (last < value.length) parts.push(value.slice(last));
  return { kind: 'template', parts };
}

export function bindingRefs(b: Binding): Ref[] {
  return b.kind === 'ref' ? [b.ref] : b.kind === 'template' ? b.parts.filter((p): p is Ref => typeof p !== 'string') : [];
}

/** `${{ REF }}`, `${{ !REF }}` or `${{ REF OP LITERAL }}` (a number, true, false, or a quoted string). */
export function parseCondition(text: string, field: string): Condition {
  const whole = WHOLE.exec(text.trim());
  if (!whole) throw invalid(`${field} must be a condition written \${{ ... }}`);
  const body = whole[1];
  const cmp = /^(.+?)\s*(==|!=|>=|<=|>|<)\s*(.+)$/.exec(body);
  if (!cmp) {
    const negate = body.startsWith('!');
    return { ref: parseRef(negate ? body.slice(1).trim() : body, field), negate };
  }
  const raw = cmp[3].trim();
  let value: string | number | boolean;
  if (raw === 'true' || raw === 'false') value = raw === 'true';
  else if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(raw)) value = Number(raw);
  else if (/^'[^']*'$|^"[^"]*"$/.test(raw)) value = raw.slice(1, -1);
  else throw invalid(`${field}: "${raw.slice(0, 40)}" must be a number, true, false or a quoted string`);
  return { ref: parseRef(cmp[1].trim(), field), op: cmp[2] as CompareOp, value };
}

/** Whether a condition holds for the value its reference has. */
export function holds(c: Condition, v: unknown): boolean {
  if (c.op === undefined) return c.negate ? !v : Boolean(v);
  switch (c.op) {
    case '==':
      return v === c.value;
    case '!=':
      return v !== c.value;
    case '>':
      return typeof v === 'number' && v > (c.value as number);
    case '>=':
      return typeof v === 'number' && v >= (c.value as number);
    case '<':
      return typeof v === 'number' && v < (c.value as number);
    case '<=':
      return typeof v === 'number' && v <= (c.value as number);
  }
}
