/**
 * Histogram kernels over rows idx[start..end) of a row-major binned matrix (F bins per row) and packed g/h values: slot 1 is
 * [packed sum], slot 2 is [packed sum, row count]. The grower's kernels where its WebAssembly arena cannot be made.
 */
export function buildHistogram(hist: Float64Array, bins: Uint8Array, F: number, packed: Float64Array, idx: Uint32Array, start: number, end: number, features: Int32Array, nf: number, slot: number): void {
  if (slot === 1) histPacked(hist, bins, F, packed, idx, start, end, features, nf);
  else histPackedCounts(hist, bins, F, packed, idx, start, end, features, nf);
}

function histPacked(hist: Float64Array, bins: Uint8Array, F: number, packed: Float64Array, idx: Uint32Array, start: number, end: number, features: Int32Array, nf: number): void {
  if (nf === F) {
    for (let i = start; i < end; i++) {
      const r = idx[i];
      const v = packed[r];
      const row = r * F;
      for (let f = 0, base = 0; f < F; f++, base += 256) hist[base + bins[row + f]] += v;
    }
    return;
  }
  for (let i = start; i < end; i++) {
    const r = idx[i];
    const v = packed[r];
    const row = r * F;
    for (let j = 0; j < nf; j++) {
      const f = features[j];
      hist[f * 256 + bins[row + f]] += v;
    }
  }
}

function histPackedCounts(hist: Float64Array, bins: Uint8Array, F: number, packed: Float64Array, idx: Uint32Array, start: number, end: number, features: Int32Array, nf: number): void {
  for (let i = start; i < end; i++) {
    const r = idx[i];
    const v = packed[r];
    const row = r * F;
    for (let j = 0; j < nf; j++) {
      const f = features[j];
      const s = f * 512 + (bins[row + f] << 1);
      hist[s] += v;
      hist[s + 1] += 1;
    }
  }
}
