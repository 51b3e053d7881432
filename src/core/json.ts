import { randomBytes } from 'node:crypto';
import { invalid } from './errors.ts';

/*
 * JSON as Python writes it: MLflow clients send NaN, Infinity and -Infinity as bare tokens (Python's json module), and expect
 * them back the same way. Values round-trip exactly; everything else is standard JSON.
 */

const NONCE = randomBytes(9).toString('base64url');
const TOKENS: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

/** Parse JSON that may hold bare NaN / Infinity / -Infinity tokens. */
export function parsePythonJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // fall through: rewrite bare tokens outside strings, then parse again
  }
  let out = '';
  let i = 0;
  let last = 0;
  let inString = false;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i += 2;
      else {
        if (c === 34) inString = false;
        i++;
      }
      continue;
    }
    if (c === 34) {
      inString = true;
      i++;
      continue;
    }
    const rest = c === 78 || c === 73 || c === 45 ? /^(NaN|Infinity|-Infinity)/.exec(text.slice(i, i + 9)) : null;
    if (rest) {
      out += text.slice(last, i) + `"${NONCE}${rest[1]}"`;
      i += rest[1].length;
      last = i;
      continue;
    }
    i++;
  }
  out += text.slice(last);
  try {
    return JSON.parse(out, (_k, v) => (typeof v === 'string' && v.startsWith(NONCE) && v.slice(NONCE.length) in TOKENS ? TOKENS[v.slice(NONCE.length)] : v));
  } catch {
    throw invalid('request body is not valid JSON');
  }
}

/** JSON text with non-finite numbers written as bare NaN / Infinity / -Infinity tokens. */
export function stringifyPythonJson(value: unknown): string {
  let found = false;
  const text = JSON.stringify(value, (_k, v) => {
    if (typeof v === 'number' && !Number.isFinite(v)) {
      found = true;
      return `${NONCE}${Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity'}`;
    }
    return v;
  });
  return found ? text.replace(new RegExp(`"${NONCE}(NaN|Infinity|-Infinity)"`, 'g'), '$1') : text;
}

/**
 * Capstan's own API follows the protobuf JSON mapping for doubles: NaN and infinities as the strings "NaN", "Infinity",
 * "-Infinity", so every JSON parser can read the body.
 */
export function stringifyApiJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? (Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity') : v), indent);
}

/** A metric value from JSON: a number, or one of the strings / tokens for NaN and the infinities. */
export function metricValue(field: string, v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v in TOKENS) return TOKENS[v];
  throw invalid(`${field} must be a number (or "NaN", "Infinity", "-Infinity")`);
}

/** A JSON object (not null, not an array): the first check on every request body. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * `JSON.stringify(s)` for a string, without its cost for the usual case (no quote, backslash, control character or
 * surrogate: the text goes between quotes as it is). For hot paths that write JSON by hand (the prediction log).
 */
export function jsonString(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(s);
  }
  return '"' + s + '"';
}

/** `JSON.stringify(v)` for a number: its text, or null when it is not finite. */
export function jsonNumber(v: number): string {
  return Number.isFinite(v) ? String(v) : 'null';
}

const quotedLists = new WeakMap<readonly string[], { items: string[]; array: string }>();

function quotedList(list: readonly string[]): { items: string[]; array: string } {
  let q = quotedLists.get(list);
  // a list that grew since (a dictionary being built) is quoted again
  if (!q || q.items.length !== list.length) {
    const items = list.map(jsonString);
    quotedLists.set(list, (q = { items, array: `[${items.join(',')}]` }));
  }
  return q;
}

/**
 * A list's strings as JSON (jsonString of each), made once per list and kept while it lives: for hand-written JSON that
 * repeats the values of a few lists (a model's class labels, the categories of served columns).
 */
export function jsonStrings(list: readonly string[]): readonly string[] {
  return quotedList(list).items;
}

/** `JSON.stringify(list)` for a list of strings, made once per list (see jsonStrings). */
export function jsonStringArray(list: readonly string[]): string {
  return quotedList(list).array;
}

/** How deeply JSON may nest anywhere Capstan takes it: far beyond any real document, far below a stack overflow. */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether JSON text (bytes or a string) nests arrays and objects deeper than `limit`, found without parsing it: brackets
 * inside strings do not count. For refusing hostile bodies before they are parsed or stored. Text with no more opening
 * brackets than `limit` cannot nest deeper, and most text has few: they are counted by native searches first (a tenth of the
 * walk's time on a one-row prediction request, which comes here every time).
 */
export function nestsDeeperThan(text: Uint8Array | string, limit = MAX_JSON_DEPTH): boolean {
  const bytes = typeof text === 'string' ? Buffer.from(text) : Buffer.isBuffer(text) ? text : Buffer.from(text.buffer, text.byteOffset, text.byteLength);
  let openings = 0;
  for (const bracket of [91, 123]) {
    for (let i = bytes.indexOf(bracket); i >= 0; i = bytes.indexOf(bracket, i + 1)) if (++openings > limit) return jsonDepth(bytes, limit) > limit;
  }
  return false;
}

/** The deepest nesting of arrays and objects in JSON bytes (brackets inside strings do not count), counted up to past `limit`. */
function jsonDepth(bytes: Uint8Array, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (c === 93 || c === 125) depth--;
  }
  return deepest;
}

/** A value's nesting depth (arrays and objects), counted iteratively; stops once past `limit`. */
export function valueDepth(value: unknown, limit = MAX_JSON_DEPTH): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    const here = d + 1;
    if (here > deepest) {
      deepest = here;
      if (deepest > limit) return deepest;
    }
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (typeof child === 'object' && child !== null) stack.push([child, here]);
  }
  return deepest;
}

/** Refuse a value nested deeper than MAX_JSON_DEPTH before it is stored (a 400 naming the field and the limit). */
export function checkDepth(field: string, value: unknown): void {
  if (valueDepth(value) > MAX_JSON_DEPTH) throw invalid(`${field} nests deeper than ${MAX_JSON_DEPTH} levels of arrays and objects`);
}
