/**
 * Where the grower's arrays live in the arena's memory (byte offsets, 8-aligned), and typed views on them. The main thread
 * and every helper thread make their views from the same layout, so they read and write the same bytes.
 */
export interface ArenaLayout {
  /** training rows (rows 0..rows - 1), and held-out rows after them (rows rows..rows + valid - 1) */
  rows: number;
  valid: number;
  F: number;
  /** histograms in the pool, and the doubles in each (F * 256 bins * slot) */
  histograms: number;
  histLength: number;
  /** doubles per bin: 1 (packed sum) or 2 (packed sum, row count) */
  slot: number;
  outputs: number;
  /**
   * threads sharing the per-row work: the training rows are cut into this many shards of consecutive rows, and so are the
   * held-out rows; segment s's rows are kept in idx[shards[s]..shards[s + 1]) (training shards are segments 0..parts - 1,
   * held-out shards parts..2 parts - 1). The calling thread works on segments 0 and parts, helper p on p and parts + p, with
   * its own histogram and scratch, so each row's data stays in one core's cache. A held-out row follows a tree's splits as
   * the training rows do (partitions) and takes its leaf's value, but never counts in a histogram.
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
  /** a held-out row's loss (row rows + i at i), summed in row order by the caller */
  loss: number;
  /** a grown tree's leaves for the score update: a value per leaf, and per leaf its [start, end) in each segment */
  leafValues: number;
  leafRanges: number;
  total: number;
}

export function arenaLayout(rows: number, F: number, histograms: number, slot: number, outputs: number, parts: number, valid = 0): ArenaLayout {
  const align = (n: number) => Math.ceil(n / 8) * 8;
  const histLength = F * 256 * slot;
  // the arrays every row has (held-out rows too): bins, scores, the target and the row order
  const all = rows + valid;
  const bins = 0;
  const packed = align(all * F);
  const gh = packed + rows * 8;
  const scores = gh + rows * 16;
  // with several outputs a round's trees add to `scores` while the gradients read `raw` (and its softmax, `prob`); with one
  // output raw is scores
  const multi = outputs > 1 ? all * outputs * 8 : 0;
  const raw = scores + all * outputs * 8;
  const prob = raw + multi;
  const y = prob + (outputs > 1 ? rows * outputs * 8 : 0);
  const dither = y + all * 8;
  const loss = dither + rows * 8;
  const scratch = loss + valid * 8;
  const idx = scratch + 16 * parts;
  const tmp = align(idx + all * 4);
  const lut = align(tmp + all * 4);
  const hists = align(lut + 256);
  const partHists = hists + histograms * histLength * 8;
  const leafValues = partHists + (parts - 1) * histLength * 8;
  const leafRanges = leafValues + histograms * 8;
  const total = leafRanges + histograms * 2 * parts * 8;
  // shard boundaries on whole cache lines of the row order
  const cut = (from: number, n: number, p: number) => (p === parts ? from + n : from + Math.min(n, Math.round((n * p) / parts / 16) * 16));
  const shards = [...Array.from({ length: parts }, (_, p) => cut(0, rows, p)), ...Array.from({ length: parts + 1 }, (_, p) => cut(rows, valid, p))];
  return { rows, valid, F, histograms, histLength, slot, outputs, parts, shards, loss, leafValues, leafRanges, bins, packed, gh, scores, raw: outputs > 1 ? raw : scores, prob, y, dither, scratch, idx, tmp, lut, hists, partHists, total };
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
  loss: Float64Array;
  /** two doubles per part */
  scratch: Float64Array;
  idx: Uint32Array;
  tmp: Uint32Array;
  lut: Uint8Array;
  hists: Float64Array[];
  /** each helper's own histogram (part p >= 1 owns partHists[p - 1]) */
  partHists: Float64Array[];
  leafValues: Float64Array;
  /** leaf j's range in segment s: [leafRanges[2 * (j * 2 parts + s)], leafRanges[2 * (j * 2 parts + s) + 1]) */
  leafRanges: Int32Array;
}

export function arenaViews(buffer: ArrayBufferLike, L: ArenaLayout): ArenaViews {
  const f64 = (at: number, n: number) => new Float64Array(buffer, at, n);
  const { rows, outputs } = L;
  const all = rows + L.valid;
  return {
    bins: new Uint8Array(buffer, L.bins, all * L.F),
    packed: f64(L.packed, rows),
    gh: f64(L.gh, 2 * rows),
    scores: f64(L.scores, all * outputs),
    raw: f64(L.raw, all * outputs),
    prob: f64(L.prob, outputs > 1 ? rows * outputs : 0),
    y: f64(L.y, all),
    dither: f64(L.dither, rows),
    loss: f64(L.loss, L.valid),
    scratch: f64(L.scratch, 2 * L.parts),
    idx: new Uint32Array(buffer, L.idx, all),
    tmp: new Uint32Array(buffer, L.tmp, all),
    lut: new Uint8Array(buffer, L.lut, 256),
    hists: Array.from({ length: L.histograms }, (_, h) => f64(L.hists + h * L.histLength * 8, L.histLength)),
    partHists: Array.from({ length: L.parts - 1 }, (_, p) => f64(L.partHists + p * L.histLength * 8, L.histLength)),
    leafValues: f64(L.leafValues, L.histograms),
    leafRanges: new Int32Array(buffer, L.leafRanges, 4 * L.histograms * L.parts),
  };
}
