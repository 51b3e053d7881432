/**
 * The little of Protocol Buffers that ONNX files need, written by hand (no generated code, no dependency): varints, 64-bit
 * integers (negative ones as ten-byte two's complement), length-delimited fields and packed repeated numbers, plus a reader
 * that walks the fields of a message.
 */

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

const utf8 = new TextEncoder();

/** Builds one message; nested messages are built by their own writer and added as bytes. */
export class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private pending: number[] = [];

  private flush(): void {
    if (this.pending.length > 0) {
      this.chunks.push(Uint8Array.from(this.pending));
      this.pending = [];
    }
  }

  private varint(n: number | bigint): void {
    if (typeof n === 'number' && n >= 0 && n <= Number.MAX_SAFE_INTEGER) {
      let v = n;
      while (v >= 0x80) {
        this.pending.push((v % 0x80) | 0x80);
        v = Math.floor(v / 0x80);
      }
      this.pending.push(v);
      return;
    }
    // negative or beyond 2^53: the 64-bit two's complement, 7 bits at a time
    let v = BigInt.asUintN(64, BigInt(n));
    while (v >= 0x80n) {
      this.pending.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.pending.push(Number(v));
  }

  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  int(field: number, n: number | bigint): this {
    this.tag(field, WIRE_VARINT);
    this.varint(n);
    return this;
  }

  float(field: number, v: number): this {
    this.tag(field, WIRE_I32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.pending.push(...b);
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.tag(field, WIRE_LEN);
    this.varint(b.length);
    this.flush();
    this.chunks.push(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, utf8.encode(s));
  }

  message(field: number, m: ProtoWriter): this {
    return this.bytes(field, m.finish());
  }

  /** Packed repeated int64 / int32 / enum. */
  packedInts(field: number, values: ArrayLike<number>): this {
    const inner = new ProtoWriter();
    for (let i = 0; i < values.length; i++) inner.varint(values[i]);
    return this.bytes(field, inner.finish());
  }

  packedFloats(field: number, values: ArrayLike<number>): this {
    const b = new Uint8Array(values.length * 4);
    const view = new DataView(b.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
    return this.bytes(field, b);
  }

  packedDoubles(field: number, values: ArrayLike<number>): this {
    const b = new Uint8Array(values.length * 8);
    const view = new DataView(b.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i], true);
    return this.bytes(field, b);
  }

  finish(): Uint8Array {
    this.flush();
    const total = this.chunks.reduce((a, c) => a + c.length, 0);
    const out = new Uint8Array(total);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

/** One field of a message as read: a varint (as a bigint, exact for every int64) or a length-delimited payload. */
export type ProtoField = { field: number; wire: 0; value: bigint } | { field: number; wire: 2; bytes: Uint8Array } | { field: number; wire: 1 | 5; bytes: Uint8Array };

/** The fields of one message, in order. Throws on truncated or malformed input (a file that is not a protobuf). */
export function readFields(buf: Uint8Array): ProtoField[] {
  const out: ProtoField[] = [];
  let at = 0;
  const varint = (): bigint => {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      if (at >= buf.length) throw new Error('truncated varint');
      const b = buf[at++];
      v |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return v;
      shift += 7n;
      if (shift > 63n) throw new Error('varint longer than 64 bits');
    }
  };
  while (at < buf.length) {
    const key = varint();
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (field === 0) throw new Error('field number 0');
    if (wire === WIRE_VARINT) out.push({ field, wire, value: varint() });
    else if (wire === WIRE_LEN) {
      const n = Number(varint());
      if (at + n > buf.length) throw new Error('length-delimited field runs past the end');
      out.push({ field, wire, bytes: buf.subarray(at, at + n) });
      at += n;
    } else if (wire === WIRE_I64 || wire === WIRE_I32) {
      const n = wire === WIRE_I64 ? 8 : 4;
      if (at + n > buf.length) throw new Error('fixed field runs past the end');
      out.push({ field, wire, bytes: buf.subarray(at, at + n) });
      at += n;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

export function decodeString(b: Uint8Array): string {
  return utf8Decoder.decode(b);
}
