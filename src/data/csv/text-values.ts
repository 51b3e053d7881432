/**
 * The distinct values of a text column with their counts, kept as bytes: a value seen again is found by its hash and a byte
 * comparison, so a million fields of a few categories make no JavaScript string at all. Strings are made once per distinct
 * value, at the end.
 */
import type { TextStats } from '../profile.ts';

/** A table's arrays, as they cross between threads. */
export interface TextValuesState {
  bytes: Uint8Array;
  hashes: Int32Array;
  starts: Int32Array;
  lengths: Int32Array;
  counts: Float64Array;
  size: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export class TextValues {
  private slots = new Int32Array(64).fill(-1);
  private hashes = new Int32Array(32);
  private starts = new Int32Array(32);
  private lengths = new Int32Array(32);
  private counts = new Float64Array(32);
  private bytes = new Uint8Array(1024);
  private used = 0;
  size = 0;

  /** A table to add to, or one whose contents came from another thread (`state()` there). */
  static from(state: TextValuesState): TextValues {
    const t = new TextValues();
    t.absorb(state);
    return t;
  }

  /** Count one occurrence of bytes [start, end) of `buf`, whose FNV-1a hash is `hash`; returns the value's id. */
  add(buf: Uint8Array, start: number, end: number, hash: number): number {
    const mask = this.slots.length - 1;
    const length = end - start;
    let slot = hash & mask;
    for (;;) {
      const id = this.slots[slot];
      if (id < 0) break;
      if (this.hashes[id] === hash && this.lengths[id] === length && this.equals(id, buf, start)) {
        this.counts[id]++;
        return id;
      }
      slot = (slot + 1) & mask;
    }
    const id = this.size++;
    if (id === this.hashes.length) this.growEntries();
    if (this.used + length > this.bytes.length) {
      const bigger = new Uint8Array(Math.max(2 * this.bytes.length, this.used + length));
      bigger.set(this.bytes.subarray(0, this.used));
      this.bytes = bigger;
    }
    this.bytes.set(buf.subarray(start, end), this.used);
    this.hashes[id] = hash;
    this.starts[id] = this.used;
    this.lengths[id] = length;
    this.counts[id] = 1;
    this.used += length;
    this.slots[slot] = id;
    if (2 * this.size > this.slots.length) this.rehash();
    return id;
  }

  /** The table's contents, to send to another thread (`absorb` takes them in there). */
  state(): TextValuesState {
    return { bytes: this.bytes, hashes: this.hashes, starts: this.starts, lengths: this.lengths, counts: this.counts, size: this.size };
  }

  /** Count in every value of another table (read by another thread from other rows); returns each of its ids' here (-1: none counted). */
  absorb(other: TextValuesState): Int32Array {
    const ids = new Int32Array(other.size).fill(-1);
    for (let id = 0; id < other.size; id++) {
      const k = other.counts[id];
      if (k <= 0) continue;
      const mine = this.add(other.bytes, other.starts[id], other.starts[id] + other.lengths[id], other.hashes[id]);
      this.counts[mine] += k - 1;
      ids[id] = mine;
    }
    return ids;
  }

  /** Take back one occurrence of a value (a record that turned out incomplete is read again later). */
  remove(id: number): void {
    this.counts[id]--;
  }

  private equals(id: number, buf: Uint8Array, start: number): boolean {
    const at = this.starts[id];
    const n = this.lengths[id];
    for (let i = 0; i < n; i++) if (this.bytes[at + i] !== buf[start + i]) return false;
    return true;
  }

  private growEntries(): void {
    const n = 2 * this.hashes.length;
    const grow = <T extends Int32Array | Float64Array>(a: T, make: (n: number) => T) => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.hashes = grow(this.hashes, (k) => new Int32Array(k));
    this.starts = grow(this.starts, (k) => new Int32Array(k));
    this.lengths = grow(this.lengths, (k) => new Int32Array(k));
    this.counts = grow(this.counts, (k) => new Float64Array(k));
  }

  private rehash(): void {
    const slots = new Int32Array(2 * this.slots.length).fill(-1);
    const mask = slots.length - 1;
    for (let id = 0; id < this.size; id++) {
      let slot = this.hashes[id] & mask;
      while (slots[slot] >= 0) slot = (slot + 1) & mask;
      slots[slot] = id;
    }
    this.slots = slots;
  }

  /** The value's text; throws a TypeError when its bytes are not UTF-8. */
  text(id: number): string {
    return utf8.decode(this.bytes.subarray(this.starts[id], this.starts[id] + this.lengths[id]));
  }

  /** Whether some value (counted at least once) satisfies the test, trying them in the order first seen. */
  some(test: (value: string) => boolean): boolean {
    for (let id = 0; id < this.size; id++) if (this.counts[id] > 0 && test(this.text(id))) return true;
    return false;
  }

  /** The values counted at least once, in the order first seen; null when there are more than `limit`. */
  counted(limit: number): string[] | null {
    const out: string[] = [];
    for (let id = 0; id < this.size; id++) {
      if (this.counts[id] <= 0) continue;
      if (out.length === limit) return null;
      out.push(this.text(id));
    }
    return out;
  }

  /** Whether every value is UTF-8 (checked value by value only when some byte is not ASCII). */
  isUtf8(): boolean {
    let high = 0;
    for (let i = 0; i < this.used; i++) high |= this.bytes[i];
    if (high < 0x80) return true;
    try {
      for (let id = 0; id < this.size; id++) this.text(id);
      return true;
    } catch {
      return false;
    }
  }

  summary(top: number): TextStats {
    let count = 0;
    let characters = 0;
    const ids: number[] = [];
    for (let id = 0; id < this.size; id++) {
      const k = this.counts[id];
      if (k <= 0) continue;
      ids.push(id);
      count += k;
      // characters are the bytes that do not continue a UTF-8 sequence
      let chars = 0;
      for (let i = this.starts[id], end = i + this.lengths[id]; i < end; i++) if ((this.bytes[i] & 0xc0) !== 0x80) chars++;
      characters += k * chars;
    }
    const byBytes = (a: number, b: number) => {
      const n = Math.min(this.lengths[a], this.lengths[b]);
      for (let i = 0; i < n; i++) {
        const d = this.bytes[this.starts[a] + i] - this.bytes[this.starts[b] + i];
        if (d !== 0) return d;
      }
      return this.lengths[a] - this.lengths[b];
    };
    ids.sort((a, b) => this.counts[b] - this.counts[a] || byBytes(a, b));
    return {
      count,
      distinct: ids.length,
      avgLength: count > 0 ? characters / count : NaN,
      top: ids.slice(0, top).map((id) => ({ value: this.text(id), count: this.counts[id] })),
    };
  }
}
