import { predictTable } from '../learn/index.ts';
import { DriftMonitor } from '../monitor/index.ts';
import type { LoadedModel } from '../registry/index.ts';
import { inferResponseOutputs, parseInferRequest } from './v2.ts';
import { newId } from '../core/ids.ts';

/** A model loaded once for serving, with the drift monitor that counts what it is sent. */
export class ServedModel {
  readonly drift: DriftMonitor;
  constructor(readonly loaded: LoadedModel) {
    this.drift = new DriftMonitor(loaded.manifest.baseline);
  }

  get versionLabel(): string {
    return this.loaded.version === null ? '1' : String(this.loaded.version);
  }

  /** Answer a V2 infer request body. */
  infer(body: unknown, name: string): Record<string, unknown> {
    const { table, id, outputs } = parseInferRequest(body, this.loaded.manifest.signature.inputs);
    const p = predictTable(this.loaded.model, table);
    this.drift.add(table);
    return { model_name: name, model_version: this.versionLabel, id: id ?? newId(), outputs: inferResponseOutputs(this.loaded.manifest, p, outputs) };
  }
}
