import { invalid } from './errors.ts';

/*
 * What may name an entity or a path. Checked at every boundary (HTTP params, CLI arguments, store inputs) before a value reaches
 * a query or the filesystem. Values are URL-decoded repeatedly first, so `%252e%252e` is judged as `..`.
 */

const MAX_DECODES = 8;

function shown(value: string): string {
  return JSON.stringify(value.length > 64 ? value.slice(0, 64) + '…' : value);
}

/** Decode percent-escapes until nothing changes; a malformed escape is an error naming the field. */
export function decodeFully(field: string, value: string): string {
  if (!value.includes('%')) return value;
  let v = value;
  for (let i = 0; i < MAX_DECODES; i++) {
    let next: string;
    try {
      next = decodeURIComponent(v);
    } catch {
      throw invalid(`${field} ${shown(value)} has a malformed %-escape`);
    }
    if (next === v) return v;
    v = next;
  }
  throw invalid(`${field} is encoded too many times`);
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,255}$/;

/**
 * Names of experiments, models, datasets: a letter or digit, then letters, digits, space, `.`, `_`, `-` (256 at most), and no
 * `..` anywhere. Returns the name.
 */
export function checkName(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw invalid(`${field} is required (a non-empty string)`);
  const v = decodeFully(field, value);
  if (v !== value || !NAME.test(v) || v.includes('..') || v.endsWith(' ')) {
    throw invalid(`${field} ${shown(value)} is not allowed: use letters, digits, space, ".", "_" or "-", starting with a letter or digit, without "..", at most 256 characters`);
  }
  return v;
}

const ALIAS = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** Aliases: a letter, then letters, digits, `_` or `-` (64 at most). */
export function checkAlias(field: string, value: unknown): string {
  if (typeof value !== 'string' || !ALIAS.test(value)) {
    throw invalid(`${field} ${typeof value === 'string' ? shown(value) + ' ' : ''}must start with a letter and hold only letters, digits, _ or - (64 at most)`);
  }
  return value;
}

const ID = /^[0-9a-f]{8,64}$/;

/** Run and experiment ids: lower-case hex. */
export function checkId(field: string, value: unknown): string {
  if (typeof value !== 'string' || !ID.test(value)) throw invalid(`${field} must be an id (8 to 64 lower-case hex characters)`);
  return value;
}

const KEY = /^[A-Za-z0-9_.\- /:]{1,250}$/;

/** Metric, param and tag keys: letters, digits, `_ - . / : space`, 250 at most, no `.`/`..` segment, not starting with `/`. */
export function checkKey(field: string, value: unknown): string {
  if (typeof value !== 'string' || !KEY.test(value) || value.startsWith('/') || /^[A-Za-z]:\//.test(value) || value.includes('..') || value.split('/').some((s) => s === '.' || s === '')) {
    throw invalid(`${field} ${typeof value === 'string' ? shown(value) + ' ' : ''}must be 1-250 letters, digits, "_", "-", ".", "/", ":" or spaces, without ".." or "." segments`);
  }
  // keys become property names of the records read back: these would be hidden, or reach the object's prototype
  if (value === '__proto__' || value === 'constructor' || value === 'prototype') throw invalid(`${field} ${shown(value)} is reserved`);
  return value;
}

// eslint-disable-next-line no-control-regex
const CONTROL_IN_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
// eslint-disable-next-line no-control-regex
const CONTROL_IN_LINE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** A whole number from `min` to `max` (an option, a step input, a manifest field); `value` as given, text or number. */
export function checkInteger(field: string, value: unknown, min: number, max: number): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) throw invalid(`${field} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return n;
}

/**
 * A free-text value (param, tag, description, comment): a string of at most `max` characters; tabs and line breaks are text,
 * other control characters (escape sequences, bells) are refused, so nothing stored can drive a viewer's terminal.
 */
export function checkText(field: string, value: unknown, max: number): string {
  if (typeof value !== 'string') throw invalid(`${field} must be a string`);
  if (value.length > max) throw invalid(`${field} is ${value.length} characters long; the limit is ${max}`);
  if (CONTROL_IN_TEXT.test(value)) throw invalid(`${field} must not contain control characters (other than tab and line breaks)`);
  return value;
}

/** A one-line label (run name, user, source, reason): as `checkText`, and no control characters at all. */
export function checkLine(field: string, value: unknown, max: number): string {
  checkText(field, value, max);
  if (CONTROL_IN_LINE.test(value as string)) throw invalid(`${field} must be one line without control characters`);
  return value as string;
}

/**
 * A relative path inside a store (artifact paths): plain `/`-separated segments after full decoding and NFKC normalisation;
 * rejects `..`, `.`, empty segments, absolute paths, backslashes, NUL, control characters, `#`, `;`, `%`, and any character that
 * NFKC would change (full-width dots and slashes). Returns the path.
 */
export function checkPath(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw invalid(`${field} is required (a relative path)`);
  if (value.length > 1024) throw invalid(`${field} is longer than 1024 characters`);
  const v = decodeFully(field, value);
  const bad =
    v !== value ||
    v.normalize('NFKC') !== v ||
    v.startsWith('/') ||
    /^[A-Za-z]:/.test(v) ||
    /[\\#;%\p{C}\p{Zl}\p{Zp}]/u.test(v) ||
    v.split('/').some((s) => /^\.*$/.test(s) || s.trim() !== s);
  if (bad) throw invalid(`${field} ${shown(value)} is not allowed: a relative path of plain segments (no empty or dots-only segments, no "\\", "#", ";", "%", control or full-width characters)`);
  return v;
}
