/**
 * Where the grower's arrays live in the arena's memory (byte offsets, 8-aligned), and typed views on them. The main thread
 * and every helper thread make their views from the same layout, so they read and write the same bytes.
 */
export interface ArenaLayout {
  rows: number;
  F: number;
  /** histograms in the pool, and the doubles in each (F * 256 bins * slot) */
  histograms: number;
  histLength: number;
  /** doubles per bin: 1 (packed sum) or 2 (packed sum, row count) */
  slot: number;
  outputs: number;
  /**
   * threads sharing the per-row work: rows are cut into this many shards of consecutive rows, shard p's rows kept in
   * idx[shards[p]..shards[p + 1]); the calling thread works on shard 0, helper p on shard p, with its own histogram and scratch,
   * so each row's data stays in one core's cache
   */
  parts: number;
  shards: number[];
  bins: number;
  packed: number;
  gh: number;
  scores: number;
  raw: number;
  prob: number;
  y: number;
  dither: number;
  scratch: number;
  idx: number;
  tmp: number;
  lut: number;
  hists: number;
  partHists: number;
  /** a grown tree's leaves for the score update: a value per leaf, and per leaf its [start, end) in each shard */
  leafValues: number;
  leafRanges: number;
  total: number;
}

export function arenaLayout(rows: number, F: number, histograms: number, slot: number, outputs: number, parts: number): ArenaLayout {
  const align = (n: number) => Math.ceil(n / 8) * 8;
  const histLength = F * 256 * slot;
  const bins = 0;
  const packed = align(rows * F);
  const gh = packed + rows * 8;
  const scores = gh + rows * 16;
  // with several outputs a round's trees add to `scores` while the gradients read `raw` (and its softmax, `prob`); with one
  // output raw is scores
  const multi = outputs > 1 ? rows * outputs * 8 : 0;
  const raw = scores + rows * outputs * 8;
  const prob = raw + multi;
  const y = prob + multi;
  const dither = y + rows * 8;
  const scratch = dither + rows * 8;
  const idx = scratch + 16 * parts;
  const tmp = align(idx + rows * 4);
  const lut = align(tmp + rows * 4);
  const hists = align(lut + 256);
  const partHists = hists + histograms * histLength * 8;
  const leafValues = partHists + (parts - 1) * histLength * 8;
  const leafRanges = leafValues + histograms * 8;
  const total = leafRanges + histograms * parts * 8;
  // shard boundaries on whole cache lines of the row order
  const shards = Array.from({ length: parts + 1 }, (_, p) => (p === parts ? rows : Math.min(rows, Math.round((rows * p) / parts / 16) * 16)));
  return { rows, F, histograms, histLength, slot, outputs, parts, shards, leafValues, leafRanges, bins, packed, gh, scores, raw: outputs > 1 ? raw : scores, prob, y, dither, scratch, idx, tmp, lut, hists, partHists, total };
}

export interface ArenaViews {
  bins: Uint8Array;
  packed: Float64Array;
  /** exact gradients and hessians, interleaved */
  gh: Float64Array;
  scores: Float64Array;
  raw: Float64Array;
  prob: Float64Array;
  y: Float64Array;
  dither: Float64Array;
  /** two doubles per part */
  scratch: Float64Array;
  idx: Uint32Array;
  tmp: Uint32Array;
  lut: Uint8Array;
  hists: Float64Array[];
  /** each helper's own histogram (part p >= 1 owns partHists[p - 1]) */
  partHists: Float64Array[];
  leafValues: Float64Array;
  /** leaf j's range in shard p: [leafRanges[2 * (j * parts + p)], leafRanges[2 * (j * parts + p) + 1]) */
  leafRanges: Int32Array;
}

export function arenaViews(buffer: ArrayBufferLike, L: ArenaLayout): ArenaViews {
  const f64 = (at: number, n: number) => new Float64Array(buffer, at, n);
  const { rows, outputs } = L;
  return {
    bins: new Uint8Array(buffer, L.bins, rows * L.F),
    packed: f64(L.packed, rows),
    gh: f64(L.gh, 2 * rows),
    scores: f64(L.scores, rows * outputs),
    raw: f64(L.raw, rows * outputs),
    prob: f64(L.prob, outputs > 1 ? rows * outputs : 0),
    y: f64(L.y, rows),
    dither: f64(L.dither, rows),
    scratch: f64(L.scratch, 2 * L.parts),
    idx: new Uint32Array(buffer, L.idx, rows),
    tmp: new Uint32Array(buffer, L.tmp, rows),
    lut: new Uint8Array(buffer, L.lut, 256),
    hists: Array.from({ length: L.histograms }, (_, h) => f64(L.hists + h * L.histLength * 8, L.histLength)),
    partHists: Array.from({ length: L.parts - 1 }, (_, p) => f64(L.partHists + p * L.histLength * 8, L.histLength)),
    leafValues: f64(L.leafValues, L.histograms),
    leafRanges: new Int32Array(buffer, L.leafRanges, 2 * L.histograms * L.parts),
  };
}
