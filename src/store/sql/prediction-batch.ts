import { jsonNumber, jsonString } from '../../core/json.ts';
import { parseJson } from './paging.ts';
import type { PredictionRecord } from '../types.ts';

/**
 * A prediction record whose parts are JSON text already: `columns` the feature names (a JSON array), `features` the rows
 * only (a JSON array of arrays), `outputs` the response body.
 */
export type SerializedPrediction = Omit<PredictionRecord, 'features' | 'outputs'> & { columns: string; features: string; outputs: string };

type Tuple = [string, string, number, number, number, number, PredictionRecord['features']['rows'], Record<string, unknown>, number];

/**
 * One model's prediction records as the text of one `prediction_batches` row, built a record at a time:
 * `{ columns: [names...], records: [[id, version, at, latencyMs, rows, columns index, rows of values, outputs, shadow]...] }`
 * (each column list once per batch). The records' text goes into a buffer outside the JavaScript heap: a serving process
 * adds thousands a second, and records held as strings until written lived through young-generation collections.
 */
export class PredictionBatch {
  count = 0;
  firstAt = Infinity;
  lastAt = -Infinity;
  minId = '';
  maxId = '';
  private bytes: Buffer;
  private length = 0;
  private readonly columnLists: string[] = [];

  /** `room`: a buffer to write into (one a written batch gave back); it grows as needed */
  constructor(
    readonly model: string,
    room: Buffer = Buffer.allocUnsafe(64 * 1024),
  ) {
    this.bytes = room;
  }

  /** The buffer, for the next batch once this one is written (a new buffer per batch cost a serving process GC time). */
  giveBack(): Buffer {
    const b = this.bytes;
    this.bytes = Buffer.alloc(0);
    this.length = 0;
    return b;
  }

  add(r: Omit<SerializedPrediction, 'model'>): void {
    let c = this.columnLists.indexOf(r.columns);
    if (c < 0) c = this.columnLists.push(r.columns) - 1;
    const text = `${this.count === 0 ? '' : ','}[${jsonString(r.id)},${jsonString(r.version)},${jsonNumber(r.at)},${jsonNumber(r.latencyMs)},${jsonNumber(r.rows)},${c},${r.features},${r.outputs},${r.shadow ? 1 : 0}]`;
    // a UTF-16 code unit is at most 3 bytes of UTF-8
    if (this.length + text.length * 3 > this.bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.length + text.length * 3));
      this.bytes.copy(grown, 0, 0, this.length);
      this.bytes = grown;
    }
    this.length += this.bytes.write(text, this.length);
    if (this.count === 0 || r.id < this.minId) this.minId = r.id;
    if (this.count === 0 || r.id > this.maxId) this.maxId = r.id;
    if (r.at < this.firstAt) this.firstAt = r.at;
    if (r.at > this.lastAt) this.lastAt = r.at;
    this.count++;
  }

  /** The row's `records` text. */
  text(): string {
    return `{"columns":[${this.columnLists.join(',')}],"records":[${this.bytes.toString('utf8', 0, this.length)}]}`;
  }

  /** The records back as objects. */
  records(): PredictionRecord[] {
    return batchRecords(this.model, this.text());
  }
}

/** The records of a batch row's text. */
export function batchRecords(model: string, text: unknown): PredictionRecord[] {
  const b = parseJson<{ columns: string[][]; records: Tuple[] }>(text, { columns: [], records: [] });
  return b.records.map(([id, version, at, latencyMs, rows, c, values, outputs, shadow]) => ({ id, model, version, at, latencyMs, rows, features: { columns: b.columns[c], rows: values }, outputs, shadow: shadow === 1 }));
}
