import { newId } from '../core/ids.ts';
import { andThen, type MaybePromise } from '../core/maybe-async.ts';
import { siblingModule, startService, type ThreadService } from '../threads/pool.ts';
import type { Table } from '../core/table.ts';
import { predictTable, type Predictions } from '../learn/index.ts';
import type { LoadedModel } from '../registry/index.ts';
import { HUMILITY_TAG, HumilityRules, parseHumilityRules, type HumilityOutcome } from '../monitor/index.ts';
import { invalid } from '../core/errors.ts';
import { parseScoringRequest, scoringJson } from './mlflow-scoring.ts';
import { UNKNOWN_BUNDLE } from './predict-thread.ts';
import { predictLoaded } from './predictor.ts';
import { inferResponseOutputs, parseInferRequest } from './v2.ts';

/** What one answered request was: for the prediction log, metrics and the response headers. */
export interface Answered {
  predictionId: string;
  /** the response body, JSON text */
  json: string;
  table: Table;
  predictions: Predictions;
  /** what the version's humility rules did (null: none fired, or it has none) */
  humility: HumilityOutcome | null;
}

/** Batches from this many rows are scored in a thread, off the event loop (single rows stay inline: a thread hop costs more). */
export const OFF_THREAD_ROWS = 2_000;

// one scoring thread per process, shared by every served model, started on the first large batch (idle, it does not keep
// the process alive, so it needs no shutdown)
let scorer: ThreadService<{ digest: string; bundle?: { manifest: string; binary: Uint8Array }; table: Table }, Predictions> | null = null;

/** A model loaded once for serving (what it is sent is counted by the serving hooks' monitor, with the answers). */
export class ServedModel {
  /** whether the scoring thread has been sent this bundle */
  private inThread = false;
  /** the version's humility rules (its `humility` tag), checked against its signature when loaded */
  readonly humility: HumilityRules | null;
  constructor(readonly loaded: LoadedModel) {
    const text = loaded.tags[HUMILITY_TAG];
    this.humility = text ? new HumilityRules(parseHumilityRules(parseTag(text), loaded.manifest), loaded.manifest) : null;
  }

  /** The answer after the humility rules (replacements made), and what they did (a refusal is the caller's to raise, once counted). */
  private humble(table: Table, predictions: Predictions): { predictions: Predictions; humility: HumilityOutcome | null } {
    const humility = this.humility?.apply(table, predictions) ?? null;
    return { predictions: humility?.predictions ?? predictions, humility };
  }

  get versionLabel(): string {
    return this.loaded.version === null ? '1' : String(this.loaded.version);
  }

  /**
   * Large batches in the scoring thread, the rest inline (answered at once, no promise); an ONNX model in onnxruntime's own
   * threads.
   */
  private predictions(table: Table): MaybePromise<Predictions> {
    const model = this.loaded.model;
    if (model && table.rows < OFF_THREAD_ROWS) return predictTable(model, table);
    return this.predictElsewhere(table);
  }

  private async predictElsewhere(table: Table): Promise<Predictions> {
    let p: Predictions;
    if (!this.loaded.model) p = await predictLoaded(this.loaded, table);
    else {
      scorer ??= startService(siblingModule(import.meta.url, './predict-thread'), { unrefWhenIdle: true });
      const { digest, manifestText, binary } = this.loaded;
      // the bundle's bytes go with the first call; again if the thread says it does not have them (it was restarted)
      try {
        p = await scorer.call({ digest, table, ...(this.inThread ? {} : { bundle: { manifest: manifestText, binary } }) });
      } catch (e) {
        if (!(e as Error).message.includes(UNKNOWN_BUNDLE)) throw e;
        p = await scorer.call({ digest, table, bundle: { manifest: manifestText, binary } });
      }
      this.inThread = true;
    }
    return p;
  }

  /** What this version would answer for a table (a shadow's answer, for the log only). */
  async shadowAnswer(table: Table, shadowOf: string): Promise<{ predictionId: string; json: string; predictions: Predictions }> {
    const predictions = await this.predictions(table);
    return { predictionId: newId(), json: scoringJson(this.loaded.manifest, predictions, { shadow_of: shadowOf }), predictions };
  }

  /** Answer a KServe V2 infer request body. */
  infer(body: unknown, name: string): MaybePromise<Answered> {
    const { table, id, outputs } = parseInferRequest(body, this.loaded.manifest.signature.inputs);
    return andThen(this.predictions(table), (raw) => {
      const predictionId = newId();
      const { predictions, humility } = this.humble(table, raw);
      const parameters = humility?.flags.length ? { prediction_id: predictionId, humility: humility.flags } : { prediction_id: predictionId };
      // model outputs are finite (the estimator battery checks it): plain JSON
      return { predictionId, table, predictions, humility, json: JSON.stringify({ model_name: name, model_version: this.versionLabel, id: id ?? predictionId, parameters, outputs: inferResponseOutputs(this.loaded.manifest, predictions, outputs) }) };
    });
  }

  /** Answer an MLflow scoring request body (`POST /invocations`). */
  invocations(body: unknown): MaybePromise<Answered> {
    const table = parseScoringRequest(body, this.loaded.manifest.signature.inputs);
    return andThen(this.predictions(table), (raw) => {
      const predictionId = newId();
      const { predictions, humility } = this.humble(table, raw);
      return { predictionId, table, predictions, humility, json: scoringJson(this.loaded.manifest, predictions, { prediction_id: predictionId }, humility?.flags.length ? `,"humility":${JSON.stringify(humility.flags)}` : '') };
    });
  }
}

function parseTag(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw invalid(`the "${HUMILITY_TAG}" tag is not JSON: set it with capstan models humility`);
  }
}
