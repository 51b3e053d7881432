import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeString, ProtoWriter, readFields } from './protobuf.ts';

test('fields written are read back: varints up to 2^53, negative int64, strings, nested messages, packed numbers', () => {
  const inner = new ProtoWriter().string(1, 'héllo').int(2, 300);
  const bytes = new ProtoWriter().int(1, 0).int(2, 2 ** 53 - 1).int(3, -1).message(4, inner).packedInts(5, [1, 128, 16384]).packedDoubles(6, [Math.PI, NaN]).float(7, 0.5).finish();
  const f = readFields(bytes);
  assert.deepEqual(f.map((x) => x.field), [1, 2, 3, 4, 5, 6, 7]);
  assert.equal((f[0] as { value: bigint }).value, 0n);
  assert.equal((f[1] as { value: bigint }).value, 2n ** 53n - 1n);
  // int64 -1 is ten bytes of two's complement
  assert.equal(BigInt.asIntN(64, (f[2] as { value: bigint }).value), -1n);
  const nested = readFields((f[3] as { bytes: Uint8Array }).bytes);
  assert.equal(decodeString((nested[0] as { bytes: Uint8Array }).bytes), 'héllo');
  assert.equal((nested[1] as { value: bigint }).value, 300n);
  const packed = (f[4] as { bytes: Uint8Array }).bytes;
  assert.deepEqual(Array.from(packed), [1, 0x80, 0x01, 0x80, 0x80, 0x01]);
  const doubles = new Float64Array((f[5] as { bytes: Uint8Array }).bytes.slice().buffer);
  assert.equal(doubles[0], Math.PI);
  assert.ok(Number.isNaN(doubles[1]));
  assert.equal(new DataView((f[6] as { bytes: Uint8Array }).bytes.slice().buffer).getFloat32(0, true), 0.5);
});

test('malformed input is refused, never read past its end', () => {
  assert.throws(() => readFields(Uint8Array.of(0x0a, 0x05, 0x01)), /runs past the end/);
  assert.throws(() => readFields(Uint8Array.of(0x08, 0x80)), /truncated varint/);
  assert.throws(() => readFields(Uint8Array.of(0x0b)), /unsupported wire type 3/);
  assert.throws(() => readFields(Uint8Array.of(0x00, 0x00)), /field number 0/);
});
