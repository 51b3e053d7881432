/** FNV-1a, 32 bits: a stable hash (the same on every run and in every process). Byte scanners inline the two constants. */
export const FNV_OFFSET = 0x811c9dc5 | 0;
export const FNV_PRIME = 0x01000193;

/** FNV-1a of a string's UTF-16 code units, unsigned. */
export function fnv1a(s: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h >>> 0;
}

/**
 * murmur3's 32-bit finaliser: every input bit reaches every output bit. FNV-1a alone leaves keys that differ in their last
 * characters (user1, user2...) close together in the top bits, which is where a bucket is read from.
 */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A well-mixed stable 32-bit hash of a string (unsigned): the same on every run and in every process. */
export function stableHash(s: string): number {
  return fmix32(fnv1a(s));
}
