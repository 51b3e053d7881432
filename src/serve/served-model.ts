import { newId } from '../core/ids.ts';
import type { Table } from '../core/table.ts';
import { predictTable, type Predictions } from '../learn/index.ts';
import { DriftMonitor } from '../monitor/index.ts';
import type { LoadedModel } from '../registry/index.ts';
import { parseScoringRequest, scoringResponse } from './mlflow-scoring.ts';
import { inferResponseOutputs, parseInferRequest } from './v2.ts';

/** What one answered request was: for the prediction log, metrics and the response headers. */
export interface Answered {
  predictionId: string;
  body: Record<string, unknown>;
  table: Table;
  predictions: Predictions;
}

/** A model loaded once for serving, with the drift monitor that counts what it is sent. */
export class ServedModel {
  readonly drift: DriftMonitor;
  constructor(readonly loaded: LoadedModel) {
    this.drift = new DriftMonitor(loaded.manifest.baseline);
  }

  get versionLabel(): string {
    return this.loaded.version === null ? '1' : String(this.loaded.version);
  }

  private predict(table: Table): Predictions {
    const p = predictTable(this.loaded.model, table);
    this.drift.add(table);
    return p;
  }

  /** What this version would answer for a table (a shadow's answer, for the log only). */
  shadowAnswer(table: Table): { predictionId: string; body: Record<string, unknown> } {
    return { predictionId: newId(), body: scoringResponse(this.loaded.manifest, this.predict(table)) };
  }

  /** Answer a KServe V2 infer request body. */
  infer(body: unknown, name: string): Answered {
    const { table, id, outputs } = parseInferRequest(body, this.loaded.manifest.signature.inputs);
    const predictions = this.predict(table);
    const predictionId = newId();
    return { predictionId, table, predictions, body: { model_name: name, model_version: this.versionLabel, id: id ?? predictionId, parameters: { prediction_id: predictionId }, outputs: inferResponseOutputs(this.loaded.manifest, predictions, outputs) } };
  }

  /** Answer an MLflow scoring request body (`POST /invocations`). */
  invocations(body: unknown): Answered {
    const table = parseScoringRequest(body, this.loaded.manifest.signature.inputs);
    const predictions = this.predict(table);
    const predictionId = newId();
    return { predictionId, table, predictions, body: { ...scoringResponse(this.loaded.manifest, predictions), prediction_id: predictionId } };
  }
}
