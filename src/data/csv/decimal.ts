/**
 * Decimal text to double without building a string: the digits arrive as integers from a byte scanner and the value is
 * rounded once, as `parseFloat` (and DuckDB's reader) would: Clinger's fast path when the significand has at most 15 digits,
 * else the significand held exactly as a pair of doubles and the scaling by a power of ten corrected by its exact
 * remainder (Dekker's product). Outside those paths (more than 19 significant digits, a power of ten past 10^22) it answers
 * NaN and the caller parses the text itself.
 */

const POWERS = Float64Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
/** 2^27 + 1: splits a double into two halves whose products are exact */
const SPLIT = 134217729;

/** The rounding error of the product p = fl(a * b), exactly (a * b = p + error). */
function productError(a: number, b: number, p: number): number {
  const ca = SPLIT * a;
  const ah = ca - (ca - a);
  const al = a - ah;
  const cb = SPLIT * b;
  const bh = cb - (cb - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

/**
 * The double nearest to (hi * 10^loDigits + lo) * 10^e10, where hi < 10^15 (at most 15 digits), lo at most 4 more digits
 * (`loDigits` of them, leading zeros included). NaN when this needs the slow path.
 */
export function decimalValue(hi: number, lo: number, loDigits: number, e10: number): number {
  if (loDigits === 0) {
    if (e10 === 0) return hi;
    if (e10 < 0) return e10 >= -22 ? hi / POWERS[-e10] : NaN;
    return e10 <= 22 ? hi * POWERS[e10] : NaN;
  }
  if (e10 < -22 || e10 > 22) return NaN;
  // the significand m = hi * 10^loDigits + lo (up to 19 digits, past 2^53) exactly as mh + ml
  const scale = POWERS[loDigits];
  const p = hi * scale;
  const s = productError(hi, scale, p) + lo; // a small integer, exact
  const mh = p + s;
  const ml = s - (mh - p);
  if (e10 === 0) return mh;
  if (e10 < 0) {
    const d = POWERS[-e10];
    const q = mh / d;
    const t = q * d;
    // m - q d, the remainder of the first quotient, then the quotient corrected by it (rounded once more, to nearest)
    const r = mh - t - productError(q, d, t) + ml;
    return q + r / d;
  }
  const f = POWERS[e10];
  const t = mh * f;
  return t + (productError(mh, f, t) + ml * f);
}

/** A DataView of the same bytes (scanners make one per buffer and pass it in). */
export function viewOf(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** What `scanNumber` read last (one shared record, so a scan allocates nothing per value). */
export const scanned = { value: 0, integral: true };

const ZERO = 48;
const NINE = 57;

/** The text of bytes [start, end) (ASCII here: digits, signs, point, exponent). */
function ascii(buf: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(buf[i]);
  return s;
}

/**
 * Read a number at `start`: `-?digits[.digits][(e|E)[+-]digits]` with at least one digit before the exponent (so "5.", ".5"
 * and "-.5e3" are numbers; "+5", " 5", "NaN" are not). Returns the position after it, or -1 when no number starts there; the
 * value and whether it was written as an integer (no point, no exponent, at most 18 digits: a BIGINT) go to `scanned`. The
 * caller checks what follows. `view` is a DataView of `buf` (see `viewOf`).
 */
export function scanNumber(buf: Uint8Array, start: number, view: DataView): number {
  let p = start;
  let c = buf[p];
  const negative = c === 45;
  if (negative) c = buf[++p];
  // the significand: digits into hi while it has fewer than 15 (leading zeros keep it 0), up to 4 more into lo, the rest
  // dropped (their count raises the exponent; a dropped digit other than 0 sends the text to parseFloat)
  let hi = 0;
  let lo = 0;
  let loDigits = 0;
  let e10 = 0;
  let truncated = false;
  const intStart = p;
  while (c >= ZERO && c <= NINE) {
    if (hi < 1e14) hi = hi * 10 + (c - ZERO);
    else if (loDigits < 4) {
      lo = lo * 10 + (c - ZERO);
      loDigits++;
    } else {
      e10++;
      if (c !== ZERO) truncated = true;
    }
    c = buf[++p];
  }
  let digits = p - intStart;
  let integral = digits <= 18;
  if (c === 46) {
    integral = false;
    const fracStart = ++p;
    // four digits at a time while they fit in hi: a 32-bit load, a test that all four bytes are digits, and two
    // multiply-adds instead of four rounds of the byte loop
    const room = view.byteLength - 4;
    while (hi < 1e10 && p <= room) {
      const x = view.getUint32(p, true);
      if ((x & 0xf0f0f0f0) !== 0x30303030 || ((x + 0x06060606) & 0xf0f0f0f0) !== 0x30303030) break;
      const pairs = (Math.imul(x - 0x30303030, 10) + ((x - 0x30303030) >>> 8)) & 0x00ff00ff;
      hi = hi * 10000 + (pairs & 0xff) * 100 + (pairs >>> 16);
      e10 -= 4;
      p += 4;
    }
    c = buf[p];
    while (c >= ZERO && c <= NINE) {
      if (hi < 1e14) {
        hi = hi * 10 + (c - ZERO);
        e10--;
      } else if (loDigits < 4) {
        lo = lo * 10 + (c - ZERO);
        loDigits++;
        e10--;
      } else if (c !== ZERO) truncated = true;
      c = buf[++p];
    }
    digits += p - fracStart;
  }
  if (digits === 0) return -1;
  if (c === 101 || c === 69) {
    integral = false;
    c = buf[++p];
    let sign = 1;
    if (c === 45) {
      sign = -1;
      c = buf[++p];
    } else if (c === 43) c = buf[++p];
    if (!(c >= ZERO && c <= NINE)) return -1;
    let exponent = 0;
    while (c >= ZERO && c <= NINE) {
      if (exponent < 100_000) exponent = exponent * 10 + (c - ZERO);
      c = buf[++p];
    }
    e10 += sign * exponent;
  }
  let v = truncated ? NaN : decimalValue(hi, lo, loDigits, e10);
  if (v !== v) v = parseFloat(ascii(buf, negative ? start + 1 : start, p));
  scanned.value = negative ? -v : v;
  scanned.integral = integral;
  return p;
}
